"""Apply ``registry.household`` events to monitoring's read model of households, from the events' payload
models (``backstop_events.registry``): one function per event type, called by its handler.

Counts (dropouts, uninsured, major illness, disability) start from the registration figures and move
with member events; where an event carries no previous value, the member's last known one is used.
"""

import uuid
from collections.abc import Callable
from datetime import datetime

from backstop_events.registry import (HelperAssigned, HouseholdEvent, HouseholdIncomeAssessed,
                                      HouseholdRegistered, HouseholdStatusChanged, HouseholdUpdated,
                                      HousingAssessed, MeasureGiven, MemberAdded, MemberEmploymentChanged,
                                      MemberHealthChanged, MemberInsuranceChanged, MemberSchoolingChanged,
                                      PersonFacts, WaterAssessed)
from monitoring.models import HouseholdFacts, MemberFacts
from monitoring.repository import households

REGISTERED_FIELDS = ("poverty_status", "year_lifted", "dibao", "tekun", "size", "labour_capable_members",
                     "housing_grade", "safe_water", "food_secure", "clothing_secure", "relocated", "uninsured_members",
                     "dropout_members", "main_cause", "tags", "helper_user_ids")
#: what ``household.updated`` may change here, when it names the field in ``changed`` and carries it
UPDATABLE = ("village_code", "tags", "main_cause", "food_secure", "clothing_secure", "relocated")


def _move(count: int, was_bad: bool | None, is_bad: bool) -> int:
    if is_bad and not was_bad:
        return count + 1
    if was_bad and not is_bad:
        return max(count - 1, 0)
    return count


#: disability grades 1 and 2 are severe (重度残疾, GB/T 26341-2010 残疾人残疾分类和分级)
SEVERE_DISABILITY_GRADES = frozenset({1, 2})


def _registered(f: HouseholdFacts, d: HouseholdRegistered, m: MemberFacts | None) -> None:
    for name in REGISTERED_FIELDS:
        if (value := getattr(d, name)) is not None:
            setattr(f, name, value)
    if d.members:  # the listed members' health, as later member events count it
        ill = disabled = severe = 0
        for x in d.members:
            ill += x.health == "major_illness"
            disabled += bool(x.disability_grade)
            severe += x.disability_grade in SEVERE_DISABILITY_GRADES
        f.major_illness_members, f.disabled_members, f.severe_disabled_members = ill, disabled, severe
    if d.per_capita_income is not None:
        # the income's own year (older events have none: their income is then screened as the clock's year)
        f.per_capita_income, f.income_year = d.per_capita_income, d.income_year


def _updated(f: HouseholdFacts, d: HouseholdUpdated, m: MemberFacts | None) -> None:
    for name in d.changed:
        if name in UPDATABLE and name in d.model_fields_set:
            setattr(f, name, getattr(d, name))


def _status(f: HouseholdFacts, d: HouseholdStatusChanged, m: MemberFacts | None) -> None:
    f.poverty_status, f.dibao, f.tekun = d.poverty_status, d.dibao, d.tekun
    if "year_lifted" in d.model_fields_set:
        f.year_lifted = d.year_lifted


def _income(f: HouseholdFacts, d: HouseholdIncomeAssessed, m: MemberFacts | None) -> None:
    if f.income_year is not None and d.year < f.income_year:
        return  # an older year's assessment arriving late does not replace the latest one
    f.previous_per_capita_income = d.previous_per_capita_income or f.per_capita_income
    f.per_capita_income = d.per_capita_income
    f.income_year = d.year
    if d.size:
        f.size = d.size


def _helper(f: HouseholdFacts, d: HelperAssigned, m: MemberFacts | None) -> None:
    if d.helper_user_id and d.helper_user_id not in f.helper_user_ids:
        f.helper_user_ids = [*f.helper_user_ids, d.helper_user_id]


def _size(f: HouseholdFacts, d, m: MemberFacts | None) -> None:
    if d.size:
        f.size = d.size


def _counted(health: str | None, disability_grade: int | None, schooling_status: str | None,
             insured: bool | None) -> dict[str, bool]:
    """Which of the household's counts a member with these facts is in."""
    return {"dropout_members": schooling_status == "dropped_out", "uninsured_members": insured is False,
            "major_illness_members": health == "major_illness", "disabled_members": bool(disability_grade),
            "severe_disabled_members": disability_grade in SEVERE_DISABILITY_GRADES}


def _recount(f: HouseholdFacts, was: dict[str, bool], now: dict[str, bool]) -> None:
    for count in now:
        setattr(f, count, _move(getattr(f, count), was.get(count), now[count]))


def _added(f: HouseholdFacts, d: MemberAdded, m: MemberFacts) -> None:
    """member.added: the size after it; with the member's facts (older events have none) the member counts as a
    listed one does — moved from what the row knew while they were a member here (the same member twice is not
    counted twice), from nothing when new or back after leaving."""
    _size(f, d, m)
    if d.facts is None:
        return
    was = {} if m.removed else _counted(m.health, m.disability_grade, m.schooling_status, m.insured)
    new = d.facts
    _recount(f, was, _counted(new.health, new.disability_grade, new.schooling_status, new.medical_insurance))
    _listed(m, new)
    m.household_id, m.removed = d.household_id, False


def _removed(f: HouseholdFacts, d, m: MemberFacts | None) -> None:
    """member.removed: the size after it, and the member no longer counts."""
    _size(f, d, m)
    if m is not None:
        was = _counted(m.health, m.disability_grade, m.schooling_status, m.insured)
        _recount(f, was, dict.fromkeys(was, False))
        m.removed = True


def _health(f: HouseholdFacts, d: MemberHealthChanged, m: MemberFacts) -> None:
    was_ill = (d.previous_health if "previous_health" in d.model_fields_set else m.health) == "major_illness"
    f.major_illness_members = _move(f.major_illness_members, was_ill, d.health == "major_illness")
    grade = d.disability_grade
    f.disabled_members = _move(f.disabled_members, bool(m.disability_grade), bool(grade))
    f.severe_disabled_members = _move(f.severe_disabled_members, m.disability_grade in SEVERE_DISABILITY_GRADES,
                                      grade in SEVERE_DISABILITY_GRADES)
    m.disability_grade = grade
    m.health = d.health
    if d.medical_out_of_pocket is not None:
        m.medical_out_of_pocket, m.medical_year = d.medical_out_of_pocket, d.year


def _schooling(f: HouseholdFacts, d: MemberSchoolingChanged, m: MemberFacts) -> None:
    was = (d.previous_status if "previous_status" in d.model_fields_set else m.schooling_status) == "dropped_out"
    f.dropout_members = _move(f.dropout_members, was, d.status == "dropped_out")
    m.schooling_status = d.status


def _employment(f: HouseholdFacts, d: MemberEmploymentChanged, m: MemberFacts) -> None:
    m.employment = d.employment


def _insurance(f: HouseholdFacts, d: MemberInsuranceChanged, m: MemberFacts) -> None:
    f.uninsured_members = _move(f.uninsured_members, m.insured is False, not d.medical_insurance)
    m.insured = d.medical_insurance


def _measure_given(f: HouseholdFacts, d: MeasureGiven, m: MemberFacts | None) -> None:
    if d.measure_type and d.measure_type not in f.measures_given:
        f.measures_given = [*f.measures_given, d.measure_type]


def _housing(f: HouseholdFacts, d: HousingAssessed, m: MemberFacts | None) -> None:
    f.housing_grade = d.grade


def _water(f: HouseholdFacts, d: WaterAssessed, m: MemberFacts | None) -> None:
    f.safe_water = d.safe_water


def _unchanged(f: HouseholdFacts, d, m: MemberFacts | None) -> None:
    """An event the read model keeps nothing of (a disaster, a pension: their rules read the event itself)."""


Change = Callable[[HouseholdFacts, HouseholdEvent, MemberFacts | None], None]


async def apply(session, data: HouseholdEvent, change: Change, now: datetime) -> HouseholdFacts:
    """Update the read model from one event with its change; returns the household's facts after it."""
    facts = await households.get_or_create(session, data.household_id, data.village_code, now)
    member_id = getattr(data, "member_id", None)
    member = await households.member(session, member_id, data.household_id) if member_id else None
    change(facts, data, member)
    facts.updated_at = now
    await session.flush()
    return facts


async def apply_many(session, batch: list[HouseholdEvent], change: Change,
                     now: datetime) -> tuple[list[HouseholdFacts], set[uuid.UUID]]:
    """``apply`` for a run of one type's events, one per household (the consumer's batch): the households' rows
    it lacks written in one statement, the others and the members' rows read and locked by one statement each
    (as plain rows, ``households.Row``; with them the policies' stamp, for ``intake.screen_many``), the changes
    made; the members' rows written back here, the households' by ``intake.screen_many`` once screened (the
    income follow-up still sets them). Returns the facts in the batch's order, and which households it created
    (the cluster check counts them)."""
    pairs = [(d.household_id, d.village_code) for d in batch]
    known, created = await households.get_or_create_many(session, pairs, now)
    facts = [known[d.household_id] for d in batch]
    # a run is one type's: asking each event for a member it has none of was a pydantic AttributeError each
    if "member_id" not in type(batch[0]).model_fields:
        for f, data in zip(facts, batch, strict=True):
            change(f, data, None)
            f.updated_at = now
        return facts, created
    members = await _members(session, [(d.member_id, d.household_id) for d in batch])
    for f, data in zip(facts, batch, strict=True):
        change(f, data, members[data.member_id])
        f.updated_at = now
    await households.save_rows(session, MemberFacts, list(members.values()))
    return facts, created


async def save_many(session, facts: list[HouseholdFacts]) -> None:
    """The batch's household rows (``apply_many``) written back, in one statement."""
    await households.save_rows(session, HouseholdFacts, facts)


async def _members(session, pairs: list[tuple[uuid.UUID, uuid.UUID]]) -> dict[uuid.UUID, MemberFacts]:
    """The members' rows (made when missing, as ``households.member`` makes them), locked."""
    if not pairs:
        return {}
    await households.add_missing_members(session, pairs)
    return await households.members_many(session, [m for m, _ in pairs])


async def registered_many(session, batch: list[HouseholdRegistered],
                          now: datetime) -> tuple[list[HouseholdFacts], set[uuid.UUID]]:
    """``registered`` for a batch of households (each once): an import's registrations by the set — the listed
    members made or updated by one statement, none of them read."""
    facts, created = await apply_many(session, batch, _registered, now)
    await households.upsert_listed_members(session, [
        (m.member_id, d.household_id, m.health, m.disability_grade, m.schooling_status, m.medical_insurance)
        for d in batch for m in d.members])
    return facts, created


def _listed(row: MemberFacts, listed: PersonFacts) -> None:
    row.health, row.disability_grade = listed.health, listed.disability_grade
    row.schooling_status, row.insured = listed.schooling_status, listed.medical_insurance


async def registered(session, data: HouseholdRegistered, now: datetime) -> HouseholdFacts:
    """建档: the facts, and the listed members as member events will find them (so a later change is not
    counted twice)."""
    facts = await apply(session, data, _registered, now)
    for listed in data.members:
        _listed(await households.member(session, listed.member_id, data.household_id), listed)
    await session.flush()
    return facts


async def health_changed(session, data: MemberHealthChanged, now: datetime) -> HouseholdFacts:
    """The member's health; with a year's self-paid medical cost, the household's total for that year."""
    facts = await apply(session, data, _health, now)
    if data.year is not None:
        facts.medical_out_of_pocket = await households.medical_out_of_pocket(session, data.household_id, data.year)
        await session.flush()
    return facts


#: the change each other event type makes (its handler passes it to ``apply``)
updated, status_changed, income_assessed, helper_assigned = _updated, _status, _income, _helper
member_added, member_removed, schooling_changed, employment_changed = _added, _removed, _schooling, _employment
insurance_changed, measure_given, housing_assessed, water_assessed = _insurance, _measure_given, _housing, _water
disaster_reported = pension_changed = _unchanged
