"""Applying registry and monitoring facts to the read model (households, members)."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from funds.models import HouseholdFact, MemberFact
from funds.models.columns import now
from funds.repository import readmodel as repo


async def touch_household(session, data: dict[str, Any], *, registry: bool) -> HouseholdFact:
    """The household of an event, created on first sight; ``registry`` marks it known to the registry."""
    household_id = uuid.UUID(str(data["household_id"]))
    row = await repo.household(session, household_id, lock=True)
    if row is None:
        row = HouseholdFact(id=household_id)
        session.add(row)
    if data.get("village_code"):
        row.village_code = data["village_code"]
    row.registered = row.registered or registry
    row.updated_at = now()
    return row


async def touch_member(session, data: dict[str, Any]) -> MemberFact:
    member_id = uuid.UUID(str(data["member_id"]))
    row = await repo.member(session, member_id, lock=True)
    if row is None:
        row = MemberFact(id=member_id, household_id=uuid.UUID(str(data["household_id"])))
        session.add(row)
    row.updated_at = now()
    return row


def apply_household_fields(row: HouseholdFact, data: dict[str, Any]) -> None:
    """The non-personal fields of household.registered/updated/status_changed/housing_assessed."""
    for field in ("poverty_status", "dibao", "tekun", "housing_grade"):
        if field in data and data[field] is not None:
            setattr(row, field, data[field])
    if "grade" in data and data["grade"]:
        row.housing_grade = data["grade"]
    if data.get("main_cause"):
        row.main_cause = data["main_cause"]
    if data.get("monitoring_category"):
        row.category = data["monitoring_category"]
    if data.get("helper_user_ids"):
        row.helper_user_ids = _union(row.helper_user_ids, data["helper_user_ids"])


def _union(known: list, more) -> list:
    """A new list (so the JSONB column is seen as changed), in first-seen order."""
    return list(dict.fromkeys([*known, *(str(v) for v in more)]))


def add_helper(row: HouseholdFact, data: dict[str, Any]) -> None:
    row.helper_ids = _union(row.helper_ids, [data["helper_id"]])


def add_measures(row: HouseholdFact, measure_types) -> None:
    row.measure_types = _union(row.measure_types, measure_types)


def apply_listed_member(member: MemberFact, listed: dict[str, Any]) -> None:
    """A member as ``household.registered`` lists it (a later member event may already have come)."""
    schooling = {"stage": listed.get("schooling_stage"), "status": listed.get("schooling_status"),
                 "boarding": listed.get("boarding")}
    apply_schooling(member, {k: v for k, v in schooling.items() if v is not None})
    member.health = member.health or listed.get("health")
    if member.medical_insurance is None and listed.get("medical_insurance") is not None:
        member.medical_insurance = bool(listed["medical_insurance"])


def apply_removed(member: MemberFact, data: dict[str, Any]) -> None:
    member.status = "deceased" if data.get("reason") == "death" else "left"
    member.removed_on = date.fromisoformat(data["effective_on"]) if data.get("effective_on") else None


def apply_health(member: MemberFact, data: dict[str, Any]) -> None:
    member.health = data.get("health") or member.health
    oop = data.get("medical_out_of_pocket")
    if oop is not None:
        member.medical_out_of_pocket = Decimal(str(oop))
        member.medical_year = data.get("year") or member.medical_year


def apply_insurance(member: MemberFact, data: dict[str, Any]) -> None:
    member.medical_insurance = bool(data["medical_insurance"])


def apply_schooling(member: MemberFact, data: dict[str, Any]) -> None:
    member.schooling_stage = data.get("stage") or member.schooling_stage
    member.schooling_status = data.get("status") or member.schooling_status
    member.boarding = bool(data.get("boarding", member.boarding))
