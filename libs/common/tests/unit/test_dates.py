"""Dates people enter: a calendar day in 1900–2100, never asyncpg's ±infinity."""

from datetime import date

import pytest
from pydantic import TypeAdapter, ValidationError

from backstop_common.dates import EARLIEST, LATEST, CalendarDate

calendar_date = TypeAdapter(CalendarDate)


@pytest.mark.parametrize("text", ["1900-01-01", "2026-12-01", "2100-12-31"])
def test_a_day_inside_the_years_is_taken(text):
    assert calendar_date.validate_python(text) == date.fromisoformat(text)


@pytest.mark.parametrize("text", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31", "2026-02-30"])
def test_a_day_outside_them_or_not_on_the_calendar_is_refused(text):
    with pytest.raises(ValidationError):
        calendar_date.validate_python(text)


def test_the_bounds_are_what_the_refusal_names():
    with pytest.raises(ValidationError) as refused:
        calendar_date.validate_python("0001-01-01")
    assert refused.value.errors()[0]["ctx"] == {"ge": EARLIEST.isoformat()}
    assert LATEST == date(2100, 12, 31)
