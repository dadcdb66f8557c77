"""The pure rules of funds, without PostgreSQL: subsidy arithmetic from the standards, who may pay whom,
when the sweep calls something overdue, the execution report's sums, the five items of a household."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from backstop_common.problems import Unprocessable
from funds.domain.access import reaches
from funds.domain.anomalies import refusal_for
from funds.domain.five_items import household_items
from funds.domain.reports import ledger, net_of_returns, rate
from funds.domain.standards import (check_policy_year, education_item, housing_item, medical_item, premium_eligible,
                                    premiums, relief)
from funds.domain.sweeper import longer_than
from funds.enums import AnomalyKind
from funds.models import HouseholdFact, MemberFact, SubsidyStandard

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _relief_line(threshold: str, rate_: str, cap: str) -> SubsidyStandard:
    return SubsidyStandard(year=2026, area_code="211204000000", area_prefix="211204", kind="medical_relief",
                           item="default", threshold=Decimal(threshold), rate=Decimal(rate_), cap=Decimal(cap))


def test_medical_relief_is_the_rate_of_the_cost_above_the_threshold_up_to_the_cap_to_the_fen():
    line = _relief_line("3000.00", "0.7000", "20000.00")
    assert relief(line, Decimal("2000.00")) == Decimal("0.00")           # below the threshold: nothing
    assert relief(line, Decimal("3000.00")) == Decimal("0.00")
    assert relief(line, Decimal("3333.33")) == Decimal("233.33")         # 333.33 × 0.7 = 233.331
    assert relief(line, Decimal("100000.00")) == Decimal("20000.00")     # the cap


def test_the_premium_subsidy_is_the_individual_premium_for_each_insured_member():
    line = SubsidyStandard(year=2026, area_code="211204000000", area_prefix="211204", kind="medical_insurance",
                           item="individual", amount=Decimal("380.00"))
    assert premiums(line, 3) == Decimal("1140.00")
    assert premium_eligible(HouseholdFact(poverty_status="lifted"))
    assert premium_eligible(HouseholdFact(poverty_status="never_poor", monitored=True))
    assert not premium_eligible(HouseholdFact(poverty_status="never_poor"))


def test_only_a_c_or_d_house_has_a_renovation_line():
    assert housing_item(HouseholdFact(housing_grade="D")) == "D"
    for grade in ("A", "B", None):
        with pytest.raises(Unprocessable):
            housing_item(HouseholdFact(housing_grade=grade))


def test_a_boarder_in_compulsory_school_gets_the_boarding_line():
    pupil = MemberFact(household_id=None, schooling_status="enrolled", schooling_stage="junior", boarding=True)
    assert education_item(pupil) == "junior_boarding"
    senior = MemberFact(household_id=None, schooling_status="enrolled", schooling_stage="senior", boarding=True)
    assert education_item(senior) == "senior"
    for status, stage in (("dropped_out", "primary"), ("enrolled", "none"), ("enrolled", None)):
        with pytest.raises(Unprocessable):
            education_item(MemberFact(household_id=None, schooling_status=status, schooling_stage=stage))


def test_medical_relief_lines_go_from_the_household_s_closest_standing_to_the_default():
    assert medical_item(HouseholdFact(tekun=True, dibao=True)) == ["tekun", "dibao", "default"]
    assert medical_item(HouseholdFact(monitored=True)) == ["monitored", "default"]
    assert medical_item(HouseholdFact()) == ["default"]


def test_policy_years_run_from_the_first_transition_year_to_next_year():
    check_policy_year(2021, NOW)
    check_policy_year(2027, NOW)
    for year in (2020, 2028):
        with pytest.raises(Unprocessable):
            check_policy_year(year, NOW)


def test_money_of_an_area_reaches_that_area_and_inside_it_only():
    county, township, village = "211204000000", "211204001000", "211204001001"
    assert reaches(county, village) and reaches(township, village) and reaches(village, village)
    assert not reaches(township, "211204002001")        # a village of another township
    assert not reaches(village, township)               # upwards
    assert not reaches(county, None)


def test_overdue_means_longer_than_the_days_allowed():
    entered = NOW - timedelta(days=30)
    assert not longer_than(entered, 30, NOW)            # exactly the limit is still in time
    assert longer_than(entered, 30, NOW + timedelta(seconds=1))
    assert not longer_than(entered, 31, NOW + timedelta(days=1))


def test_execution_rates_and_the_ledger_net_of_returns_add_up_to_the_fen():
    assert rate(Decimal("333.33"), Decimal("1000.00")) == Decimal("33.33")
    assert rate(Decimal("5"), None) is None and rate(Decimal("5"), Decimal("0")) is None
    returned = {"road": Decimal("100.00"), "subsidy:education": Decimal("50.00")}
    disbursed = net_of_returns({"road": Decimal("1000.00"), "industry": Decimal("300.00")}, returned)
    subsidised = net_of_returns({"subsidy:education": Decimal("500.00")}, returned)
    assert disbursed == {"road": Decimal("900.00"), "industry": Decimal("300.00")}
    assert ledger(disbursed, subsidised, returned) == {
        "disbursements": Decimal("1300.00"), "subsidies": Decimal("500.00"), "returns": Decimal("150.00"),
        "spent": Decimal("1650.00")}


def test_the_five_items_are_complete_only_when_each_is_in_place():
    whole = HouseholdFact(main_cause="illness", poverty_status="lifted", measure_types=["industry"],
                          helper_ids=["h1"], monitored=True, category="edge")
    row = household_items(whole, Decimal("300.00"), 0)
    assert row["complete"] and row["items"]["attribute"]["value"] == "脱贫户 监测对象（edge）"
    lacking = household_items(HouseholdFact(main_cause="illness", poverty_status="poor"), None, 0)
    assert not lacking["complete"]
    assert [i for i, v in lacking["items"].items() if not v["in_place"]] == ["measures", "helpers", "funds"]


def test_paying_someone_not_present_in_the_household_is_an_anomaly():
    home, elsewhere = uuid.uuid4(), uuid.uuid4()
    assert refusal_for(None, home) is AnomalyKind.UNKNOWN_BENEFICIARY
    assert refusal_for(MemberFact(household_id=elsewhere), home) is AnomalyKind.UNKNOWN_BENEFICIARY
    assert refusal_for(MemberFact(household_id=home, status="left"), home) is AnomalyKind.UNKNOWN_BENEFICIARY
    assert refusal_for(MemberFact(household_id=home, status="deceased"), home) is AnomalyKind.DECEASED_BENEFICIARY
    assert refusal_for(MemberFact(household_id=home, status="present"), home) is None
