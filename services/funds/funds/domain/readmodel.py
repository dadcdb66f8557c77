"""Applying registry and monitoring facts to the read model (households, members), from the events' payload
models (``backstop_events``). The ``apply_*`` functions change a row or its plain record (a run's, ``touch_households``)
alike."""

import uuid
from datetime import datetime

from backstop_common.uow import UnitOfWork
from backstop_events.registry import (HouseholdStatusChanged, HouseholdUpdated, HousingAssessed, MemberAdded,
                                      MemberHealthChanged, MemberInsuranceChanged, MemberRemoved,
                                      MemberSchoolingChanged, PersonFacts)
from funds.events import ListedFacts, RegisteredHousehold
from funds.models import HouseholdFact, MemberFact
from funds.repository.readmodel import Rows


def _touched(row, village_code: str | None, registry: bool, now: datetime) -> None:
    if village_code:
        row.village_code = village_code
    row.registered = row.registered or registry
    row.updated_at = now


async def touch_households(uow: UnitOfWork, known: list[tuple[uuid.UUID, str | None]], *,
                           registry: bool) -> Rows:
    """The households of a run of events (id, village code), created on first sight (``registry``: marked known to
    the registry): their rows as plain records (``repository.readmodel.Rows``), read and locked in one query;
    ``write`` puts them back."""
    rows = Rows(HouseholdFact)
    await rows.read(uow.session, [h for h, _ in known])
    now = uow.clock.now()
    for household_id, village_code in known:
        _touched(rows.get(household_id), village_code, registry, now)
    return rows


async def touch_members(uow: UnitOfWork, members: list[tuple[uuid.UUID, uuid.UUID]]) -> Rows:
    """The members of (member, household) pairs, created on first sight, as ``touch_households``."""
    rows = Rows(MemberFact)
    await rows.read(uow.session, [m for m, _ in members])
    now = uow.clock.now()
    for member_id, household_id in members:
        rows.get(member_id, household_id=household_id).updated_at = now
    return rows


async def write(uow: UnitOfWork, *tables: Rows) -> None:
    """What ``touch_households`` / ``touch_members`` read and the changes made to it, back in the tables."""
    for rows in tables:
        await rows.write(uow.session)


def _set_given(row: HouseholdFact, **values) -> None:
    """The values an event gives; a null leaves what is known."""
    for field, value in values.items():
        if value is not None:
            setattr(row, field, value)


def apply_registered(row: HouseholdFact, data: RegisteredHousehold) -> None:
    """The non-personal facts of 建档 (household.registered)."""
    _set_given(row, poverty_status=data.poverty_status, dibao=data.dibao, tekun=data.tekun,
               housing_grade=data.housing_grade, main_cause=data.main_cause or None,
               category=data.monitoring_category or None)
    if data.helper_user_ids:
        row.helper_user_ids = _union(row.helper_user_ids, data.helper_user_ids)


def apply_updated(row: HouseholdFact, data: HouseholdUpdated) -> None:
    _set_given(row, main_cause=data.main_cause or None, category=data.monitoring_category or None)


def apply_status(row: HouseholdFact, data: HouseholdStatusChanged) -> None:
    """Poverty status, 低保, 特困."""
    _set_given(row, poverty_status=data.poverty_status, dibao=data.dibao, tekun=data.tekun)


def apply_housing(row: HouseholdFact, data: HousingAssessed) -> None:
    _set_given(row, housing_grade=data.grade or None)


def _union(known: list, more) -> list:
    """A new list (so the JSONB column is seen as changed), in first-seen order."""
    return list(dict.fromkeys([*known, *(str(v) for v in more)]))


def add_helper(row: HouseholdFact, helper_id: uuid.UUID) -> None:
    row.helper_ids = _union(row.helper_ids, [helper_id])


def add_measures(row: HouseholdFact, measure_types) -> None:
    row.measure_types = _union(row.measure_types, measure_types)


def apply_listed_member(member: MemberFact, listed: ListedFacts | PersonFacts) -> None:
    """A member's facts as ``household.registered`` lists them (a later member event may already have come)."""
    _school(member, listed.schooling_stage, listed.schooling_status, listed.boarding)
    member.health = member.health or listed.health
    if member.medical_insurance is None:
        member.medical_insurance = listed.medical_insurance


def apply_added(member: MemberFact, data: MemberAdded) -> None:
    """member.added: present in the household (again, after a move), with the facts it brings (older events have
    none)."""
    member.household_id, member.status, member.removed_on = data.household_id, "present", None
    if data.facts is not None:
        apply_listed_member(member, data.facts)


def apply_removed(member: MemberFact, data: MemberRemoved) -> None:
    member.status = "deceased" if data.reason == "death" else "left"
    member.removed_on = data.effective_on


def apply_health(member: MemberFact, data: MemberHealthChanged) -> None:
    member.health = data.health or member.health
    if data.medical_out_of_pocket is not None:
        member.medical_out_of_pocket = data.medical_out_of_pocket
        member.medical_year = data.year or member.medical_year


def apply_insurance(member: MemberFact, data: MemberInsuranceChanged) -> None:
    member.medical_insurance = data.medical_insurance


def apply_schooling(member: MemberFact, data: MemberSchoolingChanged) -> None:
    _school(member, data.stage, data.status, data.boarding)


def _school(member: MemberFact, stage: str | None, status: str | None, boarding: bool) -> None:
    member.schooling_stage = stage or member.schooling_stage
    member.schooling_status = status or member.schooling_status
    member.boarding = boarding
