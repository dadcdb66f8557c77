"""Apply ``registry.household`` events to monitoring's read model of households.

Counts (dropouts, uninsured, major illness, disability) start from the registration figures and move
with member events; where an event carries no previous value, the member's last known one is used.
"""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from monitoring.models import HouseholdFacts, MemberFacts
from monitoring.repository import households

REGISTERED_FIELDS = ("poverty_status", "year_lifted", "dibao", "tekun", "size", "labour_capable_members",
                     "housing_grade", "safe_water", "food_secure", "clothing_secure", "relocated", "uninsured_members",
                     "dropout_members", "main_cause", "tags", "helper_user_ids")
UPDATABLE = ("village_code", "tags", "main_cause", "labour_capable_members", "size", "poverty_status",
             "food_secure", "clothing_secure", "relocated")


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _move(count: int, was_bad: bool | None, is_bad: bool) -> int:
    if is_bad and not was_bad:
        return count + 1
    if was_bad and not is_bad:
        return max(count - 1, 0)
    return count


#: disability grades 1 and 2 are severe (重度残疾, GB/T 26341-2010 残疾人残疾分类和分级)
SEVERE_DISABILITY_GRADES = frozenset({1, 2})


def _registered(f: HouseholdFacts, d: dict, m: MemberFacts | None) -> None:
    for name in REGISTERED_FIELDS:
        if name in d and d[name] is not None:
            setattr(f, name, d[name])
    members = d.get("members") or []
    if members:  # the listed members' health, as later member events count it
        f.major_illness_members = sum(x.get("health") == "major_illness" for x in members)
        f.disabled_members = sum(bool(x.get("disability_grade")) for x in members)
        f.severe_disabled_members = sum(x.get("disability_grade") in SEVERE_DISABILITY_GRADES for x in members)
    if d.get("per_capita_income") is not None:
        # the income's own year (older events have none: their income is then screened as the clock's year)
        f.per_capita_income, f.income_year = _money(d["per_capita_income"]), d.get("income_year")


def _updated(f: HouseholdFacts, d: dict, m: MemberFacts | None) -> None:
    for name in d.get("changed", []):
        if name in UPDATABLE and name in d:
            setattr(f, name, d[name])


def _status(f: HouseholdFacts, d: dict, m: MemberFacts | None) -> None:
    for name in ("poverty_status", "year_lifted", "dibao", "tekun"):
        if name in d:
            setattr(f, name, d[name])


def _income(f: HouseholdFacts, d: dict, m: MemberFacts | None) -> None:
    year = d.get("year")
    if f.income_year is not None and year is not None and year < f.income_year:
        return  # an older year's assessment arriving late does not replace the latest one
    f.previous_per_capita_income = _money(d.get("previous_per_capita_income")) or f.per_capita_income
    f.per_capita_income = _money(d.get("per_capita_income"))
    f.income_year = year
    if d.get("size"):
        f.size = d["size"]


def _helper(f: HouseholdFacts, d: dict, m: MemberFacts | None) -> None:
    if d.get("helper_user_id") and d["helper_user_id"] not in f.helper_user_ids:
        f.helper_user_ids = [*f.helper_user_ids, d["helper_user_id"]]


def _size(f: HouseholdFacts, d: dict, m: MemberFacts | None) -> None:
    if d.get("size"):
        f.size = d["size"]
    if m is not None and d.get("reason"):  # member.removed
        f.dropout_members = _move(f.dropout_members, m.schooling_status == "dropped_out", False)
        f.uninsured_members = _move(f.uninsured_members, m.insured is False, False)
        f.major_illness_members = _move(f.major_illness_members, m.health == "major_illness", False)
        f.disabled_members = _move(f.disabled_members, bool(m.disability_grade), False)
        f.severe_disabled_members = _move(f.severe_disabled_members, m.disability_grade in SEVERE_DISABILITY_GRADES,
                                          False)
        m.removed = True


def _health(f: HouseholdFacts, d: dict, m: MemberFacts) -> None:
    was_ill = d.get("previous_health", m.health) == "major_illness"
    f.major_illness_members = _move(f.major_illness_members, was_ill, d.get("health") == "major_illness")
    grade = d.get("disability_grade")
    if grade is not None:
        f.disabled_members = _move(f.disabled_members, bool(m.disability_grade), bool(grade))
        f.severe_disabled_members = _move(f.severe_disabled_members, m.disability_grade in SEVERE_DISABILITY_GRADES,
                                          grade in SEVERE_DISABILITY_GRADES)
        m.disability_grade = grade
    m.health = d.get("health", m.health)
    if d.get("medical_out_of_pocket") is not None:
        m.medical_out_of_pocket, m.medical_year = _money(d["medical_out_of_pocket"]), d.get("year")


def _schooling(f: HouseholdFacts, d: dict, m: MemberFacts) -> None:
    was = d.get("previous_status", m.schooling_status) == "dropped_out"
    f.dropout_members = _move(f.dropout_members, was, d.get("status") == "dropped_out")
    m.schooling_status = d.get("status")


def _employment(f: HouseholdFacts, d: dict, m: MemberFacts) -> None:
    m.employment = d.get("employment")


def _insurance(f: HouseholdFacts, d: dict, m: MemberFacts) -> None:
    insured = bool(d.get("medical_insurance"))
    f.uninsured_members = _move(f.uninsured_members, m.insured is False, not insured)
    m.insured = insured


def _measure_given(f: HouseholdFacts, d: dict, m: MemberFacts | None) -> None:
    if d.get("measure_type") and d["measure_type"] not in f.measures_given:
        f.measures_given = [*f.measures_given, d["measure_type"]]


def _housing(f: HouseholdFacts, d: dict, m: MemberFacts | None) -> None:
    f.housing_grade = d.get("grade")


def _water(f: HouseholdFacts, d: dict, m: MemberFacts | None) -> None:
    f.safe_water = d.get("safe_water")


APPLY = {
    "household.registered": _registered, "household.updated": _updated, "household.status_changed": _status,
    "household.income_assessed": _income, "household.helper_assigned": _helper, "member.added": _size,
    "member.removed": _size, "member.health_changed": _health, "member.schooling_changed": _schooling,
    "member.employment_changed": _employment, "member.insurance_changed": _insurance,
    "household.housing_assessed": _housing, "household.water_assessed": _water,
    "household.measure_given": _measure_given,
}


async def _remember_members(session, household_id: uuid.UUID, members: list[dict]) -> None:
    """The registered members as member events will find them (so a later change is not counted twice)."""
    for listed in members:
        row = await households.member(session, uuid.UUID(str(listed["member_id"])), household_id)
        row.health, row.disability_grade = listed.get("health"), listed.get("disability_grade")
        row.schooling_status, row.insured = listed.get("schooling_status"), listed.get("medical_insurance")


async def apply(session, name: str, data: dict, now: datetime) -> HouseholdFacts:
    """Update the read model from one event; returns the household's facts after it."""
    household_id = uuid.UUID(str(data["household_id"]))
    facts = await households.get_or_create(session, household_id, data["village_code"], now)
    member = None
    if data.get("member_id"):
        member = await households.member(session, uuid.UUID(str(data["member_id"])), household_id)
    if name in APPLY:
        APPLY[name](facts, data, member)
    if name == "household.registered":
        await _remember_members(session, household_id, data.get("members") or [])
    if name == "member.health_changed" and data.get("year") is not None:
        facts.medical_out_of_pocket = await households.medical_out_of_pocket(session, household_id, data["year"])
    facts.updated_at = now
    await session.flush()
    return facts
