"""Deadline arithmetic: who a missed step escalates to, and the dates the policies count in."""

from datetime import UTC, date, datetime

from monitoring.domain.dates import add_days, add_months, earliest, start_of
from monitoring.domain.deadlines import escalate_to

VILLAGE, TOWNSHIP, COUNTY, CITY = "211204001001", "211204001000", "211204000000", "211200000000"


def test_a_village_step_escalates_to_the_township_and_the_decision_limit_to_the_county():
    assert escalate_to(VILLAGE, "verify") == TOWNSHIP
    assert escalate_to(VILLAGE, "visit") == TOWNSHIP
    assert escalate_to(VILLAGE, "review") == COUNTY
    assert escalate_to(VILLAGE, "decision") == COUNTY
    assert escalate_to(VILLAGE, "confirm") == CITY


def test_months_end_on_the_last_day_when_the_month_is_shorter():
    assert add_months(datetime(2025, 8, 31, tzinfo=UTC), 6) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2023, 12, 31, tzinfo=UTC), 2) == datetime(2024, 2, 29, tzinfo=UTC)
    assert add_months(datetime(2025, 11, 15, tzinfo=UTC), 14) == datetime(2027, 1, 15, tzinfo=UTC)


def test_days_and_the_earliest_deadline_ignore_what_is_not_set():
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert add_days(moment, 15) == datetime(2026, 1, 16, tzinfo=UTC)
    assert add_days(None, 3) is None and add_days(moment, None) is None
    assert earliest(None, moment, add_days(moment, 1)) == moment and earliest(None, None) is None
    assert start_of(date(2026, 1, 1)) == moment
