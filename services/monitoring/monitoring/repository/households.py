"""Queries on the household read model."""

import uuid
from datetime import datetime
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models import HouseholdFacts, MemberFacts


async def get(session: AsyncSession, household_id: uuid.UUID, *, lock: bool = False) -> HouseholdFacts | None:
    stmt = select(HouseholdFacts).where(HouseholdFacts.household_id == household_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalars().first()


async def get_or_create(session: AsyncSession, household_id: uuid.UUID, village_code: str,
                        now: datetime | None = None) -> HouseholdFacts:
    facts = await get(session, household_id, lock=True)
    if facts is None:
        facts = HouseholdFacts(household_id=household_id, village_code=village_code, first_seen_at=now)
        session.add(facts)
    return facts


@cache
def _defaults(model: type) -> dict:
    """A new row's columns as the model's defaults make them (built once: a row object costs ~0.4 ms)."""
    keys = {c.name: uuid.UUID(int=0) for c in model.__table__.primary_key} | {"household_id": uuid.UUID(int=0),
                                                                              "village_code": ""}
    row = model(**{k: v for k, v in keys.items() if k in model.__table__.c})
    return {c.name: getattr(row, c.name) for c in model.__table__.columns}


async def _insert_missing(session: AsyncSession, model: type, rows: list[dict], key: str) -> set[uuid.UUID]:
    """Rows with these values and the model's defaults; a row already there is left as it is. Returns the keys
    inserted."""
    if not rows:
        return set()
    table, defaults = model.__table__, _defaults(model)
    # many parameter sets to one compiled statement (SQLAlchemy sends them as multi-row INSERTs)
    result = await session.execute(insert(table).on_conflict_do_nothing().returning(table.c[key]),
                                   [defaults | row for row in rows])
    return set(result.scalars())


async def add_missing(session: AsyncSession, households: list[tuple[uuid.UUID, str]], now: datetime) -> set[uuid.UUID]:
    """Read-model rows for (household, village) pairs it does not hold yet; returns those it added. Rows
    written in SQL, then read: building each as an object would cost more than the rest of its event."""
    return await _insert_missing(session, HouseholdFacts, [
        {"household_id": h, "village_code": v, "first_seen_at": now} for h, v in households], "household_id")


async def add_missing_members(session: AsyncSession, members: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """Rows for (member, household) pairs it does not hold yet."""
    await _insert_missing(session, MemberFacts, [{"member_id": m, "household_id": h} for m, h in members],
                          "member_id")


async def get_many(session: AsyncSession, household_ids: list[uuid.UUID]) -> dict[uuid.UUID, HouseholdFacts]:
    """The read-model rows of these households, locked in one statement (in key order: two batches never
    deadlock over them)."""
    rows = await session.execute(select(HouseholdFacts).where(HouseholdFacts.household_id.in_(household_ids))
                                 .order_by(HouseholdFacts.household_id).with_for_update())
    return {f.household_id: f for f in rows.scalars()}


async def members_many(session: AsyncSession, member_ids: list[uuid.UUID]) -> dict[uuid.UUID, MemberFacts]:
    rows = await session.execute(select(MemberFacts).where(MemberFacts.member_id.in_(member_ids))
                                 .order_by(MemberFacts.member_id).with_for_update())
    return {m.member_id: m for m in rows.scalars()}


async def member(session: AsyncSession, member_id: uuid.UUID, household_id: uuid.UUID) -> MemberFacts:
    row = await session.get(MemberFacts, member_id, with_for_update=True)
    if row is None:
        row = MemberFacts(member_id=member_id, household_id=household_id)
        session.add(row)
    return row


async def medical_out_of_pocket(session: AsyncSession, household_id: uuid.UUID, year: int):
    """The household's compliant self-paid medical cost for ``year`` (sum over living members)."""
    await session.flush()
    return (await session.execute(
        select(func.sum(MemberFacts.medical_out_of_pocket)).where(
            MemberFacts.household_id == household_id, MemberFacts.medical_year == year,
            MemberFacts.removed.is_(False)))).scalar()
