"""Queries on the household read model."""

import uuid
from datetime import datetime

from sqlalchemy import func, select
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
