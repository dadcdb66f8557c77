"""The rules turning registry facts into risk signals (风险点). Pure: facts and policy in, drafts out.

Each draft names its rule and a fact key; (household, rule, fact key) is the dedupe key, so the same
fact arriving in two events yields one signal. Thresholds come from the policy row, never from code.
"""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from backstop_common.money import to_fen
from backstop_events.registry import (DisasterReported, HouseholdIncomeAssessed, HouseholdRegistered,
                                      HouseholdUpdated, HousingAssessed, MemberAdded, MemberEmploymentChanged,
                                      MemberHealthChanged, MemberInsuranceChanged, MemberPensionChanged,
                                      MemberSchoolingChanged, WaterAssessed)
from monitoring.domain.risk import income_risk_type
from monitoring.models import HouseholdFacts, Policy
from monitoring.vocab import RISK_CODES


@dataclass(frozen=True)
class Draft:
    risk_type: str
    rule: str
    fact_key: str
    facts: dict[str, Any] = field(default_factory=dict)


def income_fact_key(year: int | None, per_capita_income: Decimal) -> str:
    """The income's year and amount in fen: the same income in two events is one fact."""
    return f"{year if year is not None else '?'}:{to_fen(per_capita_income)}"


#: the rule an income under the policy's line fires (收入低于监测线)
INCOME_BELOW_LINE = "income_below_line"


def _income_facts(year: int | None, per_capita_income: Decimal, policy: Policy) -> dict[str, Any]:
    return {"per_capita_income": str(per_capita_income), "income_line": str(policy.income_line), "year": year}


def income_below_line(year: int | None, per_capita_income: Decimal, main_cause: str | None,
                      policy: Policy) -> Draft | None:
    """收入低于监测线: the per-capita income of ``year`` under the policy's line. The one definition, for an
    income as it arrives and for the re-screen of an area after its line changed (``domain.rescreen``)."""
    if per_capita_income >= policy.income_line:
        return None
    return Draft(income_risk_type(main_cause), INCOME_BELOW_LINE, income_fact_key(year, per_capita_income),
                 _income_facts(year, per_capita_income, policy))


def income(f: HouseholdFacts, policy: Policy | None) -> list[Draft]:
    if f.per_capita_income is None or policy is None:
        return []
    pci = f.per_capita_income
    below = income_below_line(f.income_year, pci, f.main_cause, policy)
    if below is not None:
        return [below]
    prev = f.previous_per_capita_income
    if prev and prev > 0 and (prev - pci) / prev >= policy.income_drop_share:
        facts = {**_income_facts(f.income_year, pci, policy), "previous_per_capita_income": str(prev),
                 "drop_share": str(policy.income_drop_share)}
        return [Draft(income_risk_type(f.main_cause), "income_drop", income_fact_key(f.income_year, pci), facts)]
    return []


def gaps(f: HouseholdFacts) -> list[str]:
    """The "两不愁三保障 + 饮水" items not secured (an unknown 吃/穿 is not a gap: never told)."""
    found = []
    if f.food_secure is False:
        found.append("food")
    if f.clothing_secure is False:
        found.append("clothing")
    if f.housing_grade in ("C", "D"):
        found.append("housing")
    if f.safe_water is False:
        found.append("water")
    if f.dropout_members > 0:
        found.append("education")
    if f.uninsured_members > 0:
        found.append("insurance")
    return found


def registered(d: HouseholdRegistered, f: HouseholdFacts, policy: Policy | None) -> list[Draft]:
    drafts = income(f, policy)
    if not (found := gaps(f)):
        return drafts
    facts = {"housing": {"housing_grade": f.housing_grade}, "water": {"safe_water": f.safe_water},
             "education": {"dropout_members": f.dropout_members},
             "insurance": {"uninsured_members": f.uninsured_members},
             "food": {"food_secure": False}, "clothing": {"clothing_secure": False}}
    return drafts + [Draft(gap, GAP_RULES[gap], "registered", facts[gap]) for gap in found]


#: the rule named in a signal for each unsecured item
GAP_RULES = {"housing": "unsafe_housing", "water": "unsafe_water", "education": "dropout",
             "insurance": "uninsured", "food": "food_insecure", "clothing": "clothing_insecure"}


def updated(d: HouseholdUpdated, f: HouseholdFacts, policy: Policy | None) -> list[Draft]:
    """不愁吃/不愁穿 became false: a signal once per item and day (the day the registry said so)."""
    day = f.updated_at.date().isoformat() if f.updated_at else "?"
    return [Draft(gap, GAP_RULES[gap], f"{gap}:{day}", {f"{gap}_secure": False})
            for gap, field_ in (("food", "food_secure"), ("clothing", "clothing_secure"))
            if field_ in d.changed and getattr(d, field_) is False]


def income_assessed(d: HouseholdIncomeAssessed, f: HouseholdFacts, policy: Policy | None) -> list[Draft]:
    if d.year != f.income_year:
        return []  # a late assessment of an older year
    return income(f, policy)


def health(d: MemberHealthChanged, f: HouseholdFacts, policy: Policy | None) -> list[Draft]:
    member, drafts = str(d.member_id), []
    oop = f.medical_out_of_pocket
    if oop is not None and policy is not None and d.medical_out_of_pocket is not None:
        income_total = (f.per_capita_income or 0) * (f.size or 1)
        by_share = income_total > 0 and oop >= income_total * policy.medical_oop_income_share
        if oop >= policy.medical_oop_threshold or by_share:
            drafts.append(Draft("01", "medical_cost", f"{member}:{d.year}", {
                "medical_out_of_pocket": str(oop), "threshold": str(policy.medical_oop_threshold),
                "income_share": str(policy.medical_oop_income_share), "year": d.year}))
    if d.health == "major_illness" and d.previous_health != "major_illness":
        drafts.append(Draft("01", "major_illness", f"{member}:major_illness", {"member_id": member}))
    if d.disability_grade:
        drafts.append(Draft("03", "disability", f"{member}:grade{d.disability_grade}",
                            {"member_id": member, "disability_grade": d.disability_grade}))
    return drafts


def schooling(d: MemberSchoolingChanged, f: HouseholdFacts, policy: Policy | None) -> list[Draft]:
    if d.status != "dropped_out":
        return []
    return [_dropout(d.member_id, d.stage, d.age)]


def _dropout(member_id: uuid.UUID, stage: str | None, age: int) -> Draft:
    return Draft("education", "dropout", f"{member_id}:dropped_out",
                 {"member_id": str(member_id), "stage": stage, "age": age})


def member_added(d: MemberAdded, f: HouseholdFacts, policy: Policy | None) -> list[Draft]:
    """A member joined out of school (辍学) or uninsured: the signals their own change events raise, under the
    same keys (a later change saying the same adds nothing)."""
    if d.facts is None:
        return []
    drafts = []
    if d.facts.schooling_status == "dropped_out":
        drafts.append(_dropout(d.member_id, d.facts.schooling_stage, f.updated_at.year - d.birth_year))
    if not d.facts.medical_insurance:
        drafts.append(_uninsured(d.member_id))
    return drafts


def employment(d: MemberEmploymentChanged, f: HouseholdFacts, policy: Policy | None) -> list[Draft]:
    if not d.job_lost:
        return []
    return [Draft("07", "job_lost", f"{d.member_id}:{d.previous_employment}",
                  {"member_id": str(d.member_id), "previous_employment": d.previous_employment})]


def pension(d: MemberPensionChanged, f: HouseholdFacts, policy: Policy | None) -> list[Draft]:
    """A member stopped drawing a pension (人社 feed, seed 004 社会保险): a household's transfer income
    fell away — the village verifies (其他, 99), once per member and day the registry said so."""
    if not d.pension_stopped:
        return []
    day = f.updated_at.date().isoformat() if f.updated_at else "?"
    monthly = d.previous_pension_monthly
    return [Draft("99", "pension_stopped", f"{d.member_id}:{day}", {
        "member_id": str(d.member_id), "previous_pension_monthly": str(monthly) if monthly is not None else None,
        "yearly_loss": str(to_fen(monthly * 12)) if monthly is not None else None})]


def insurance(d: MemberInsuranceChanged, f: HouseholdFacts, policy: Policy | None) -> list[Draft]:
    if d.medical_insurance:
        return []
    return [_uninsured(d.member_id)]


def _uninsured(member_id: uuid.UUID) -> Draft:
    return Draft("insurance", "uninsured", f"{member_id}:uninsured", {"member_id": str(member_id)})


def housing(d: HousingAssessed, f: HouseholdFacts, policy: Policy | None) -> list[Draft]:
    if d.grade not in ("C", "D"):
        return []
    return [Draft("housing", "unsafe_housing", f"{d.grade}:{d.assessed_on.isoformat()}",
                  {"housing_grade": d.grade, "assessed_on": d.assessed_on.isoformat()})]


def water(d: WaterAssessed, f: HouseholdFacts, policy: Policy | None) -> list[Draft]:
    if d.safe_water is not False:
        return []
    day = d.assessed_on.isoformat()
    return [Draft("water", "unsafe_water", f"unsafe:{day}", {"assessed_on": day})]


def disaster(d: DisasterReported, f: HouseholdFacts, policy: Policy | None) -> list[Draft]:
    loss = d.loss_amount
    if policy is None or loss < policy.disaster_loss_threshold:
        return []
    code = d.disaster_type if d.disaster_type in RISK_CODES else "0299"
    return [Draft(code, "disaster_loss", str(d.disaster_id), {
        "disaster_id": str(d.disaster_id), "loss_amount": str(loss),
        "threshold": str(policy.disaster_loss_threshold), "occurred_on": d.occurred_on.isoformat()})]
