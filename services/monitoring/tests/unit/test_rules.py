"""The rules turning facts into risk signals (风险点), without PostgreSQL or a broker."""

import uuid
from decimal import Decimal

from backstop_events.registry import (DisasterReported, HouseholdIncomeAssessed, HouseholdRegistered,
                                      MemberHealthChanged)
from monitoring.domain import rules
from monitoring.domain.risk import income_risk_type, merge_risk_types
from monitoring.vocab import MAX_RISK_TYPES

from .policy import facts, policy

#: the payload fields every registry.household event carries (the rules read the event's own model)
HOUSEHOLD = {"household_id": uuid.uuid4(), "village_code": "211204001001"}


def test_an_income_under_the_line_is_a_signal_keyed_by_its_year_and_amount():
    [draft] = rules.income(facts(per_capita_income=Decimal("5999.99"), income_year=2021, main_cause="0201"), policy())
    assert (draft.rule, draft.risk_type, draft.fact_key) == ("income_below_line", "0201", "2021:5999.99")
    assert draft.facts == {"per_capita_income": "5999.99", "income_line": "6000.00", "year": 2021}


def test_an_income_on_the_line_is_not_under_it():
    assert rules.income(facts(per_capita_income=Decimal("6000.00"), income_year=2021), policy()) == []


def test_the_rescreen_and_an_arriving_income_share_one_definition():
    f = facts(per_capita_income=Decimal("5000"), income_year=None, main_cause="not-a-code")
    via_event = rules.income(f, policy())
    direct = rules.income_below_line(None, Decimal("5000"), "not-a-code", policy())
    assert via_event == [direct] and direct.fact_key == "?:5000.00" and direct.risk_type == "99"


def test_a_fall_of_the_policy_share_is_an_income_drop():
    f = facts(per_capita_income=Decimal("7000"), previous_per_capita_income=Decimal("10000"), income_year=2022)
    [draft] = rules.income(f, policy())
    assert draft.rule == "income_drop" and draft.facts["drop_share"] == "0.3000"
    smaller = facts(per_capita_income=Decimal("7001"), previous_per_capita_income=Decimal("10000"), income_year=2022)
    assert rules.income(smaller, policy()) == []


def test_no_policy_no_income_signal():
    assert rules.income(facts(per_capita_income=Decimal("1")), None) == []


def test_a_registered_household_signals_each_unsecured_item_once():
    f = facts(housing_grade="D", safe_water=False, dropout_members=1, uninsured_members=0, food_secure=None)
    registered = HouseholdRegistered(**HOUSEHOLD, poverty_status="lifted", size=3, labour_capable_members=2)
    drafts = rules.registered(registered, f, policy())
    assert sorted((d.risk_type, d.rule, d.fact_key) for d in drafts) == [
        ("education", "dropout", "registered"), ("housing", "unsafe_housing", "registered"),
        ("water", "unsafe_water", "registered")]


def test_a_late_assessment_of_an_older_year_signals_nothing():
    f = facts(per_capita_income=Decimal("100"), income_year=2022)
    late = HouseholdIncomeAssessed(**HOUSEHOLD, assessment_id=uuid.uuid4(), year=2021, wage="100", business="0",
                                   business_costs="0", property="0", transfer="0", net_income="100", size=1,
                                   per_capita_income="100")
    assert rules.income_assessed(late, f, policy()) == []


def test_medical_cost_over_the_threshold_or_over_the_income_share():
    f = facts(per_capita_income=Decimal("8000"), size=2, medical_out_of_pocket=Decimal("8000"))
    member = uuid.uuid4()
    event = MemberHealthChanged(**HOUSEHOLD, member_id=member, health="chronic", disability_grade=0, year=2021,
                                medical_out_of_pocket="8000")
    [by_share] = rules.health(event, f, policy())
    assert (by_share.rule, by_share.fact_key) == ("medical_cost", f"{member}:2021")
    rich = facts(per_capita_income=Decimal("80000"), size=2, medical_out_of_pocket=Decimal("8000"))
    assert rules.health(event, rich, policy()) == []


def test_a_disaster_under_the_threshold_is_not_a_signal_and_an_unknown_type_is_other():
    small = DisasterReported(**HOUSEHOLD, disaster_id=uuid.uuid4(), loss_amount="4999.99", disaster_type="0201",
                             occurred_on="2026-07-01")
    assert rules.disaster(small, facts(), policy()) == []
    big = small.model_copy(update={"loss_amount": Decimal("5000"), "disaster_type": "x"})
    [drafted] = rules.disaster(big, facts(), policy())
    assert drafted.risk_type == "0299" and drafted.fact_key == str(small.disaster_id)


def test_risk_types_keep_at_most_five_codes_and_any_flag():
    five = ["01", "03", "04", "05", "06"]
    assert len(five) == MAX_RISK_TYPES
    assert merge_risk_types(five, "07") == five
    assert merge_risk_types(five, "housing") == [*five, "housing"]
    assert merge_risk_types(["01"], "01") == ["01"]
    assert income_risk_type(None) == "99" and income_risk_type("0201") == "0201"
