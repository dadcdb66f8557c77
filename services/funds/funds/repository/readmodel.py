"""Read-model queries: the households and members registry and monitoring events described."""

import uuid

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from funds.models import HouseholdFact, MemberFact


async def household(session: AsyncSession, household_id: uuid.UUID, *, lock: bool = False) -> HouseholdFact | None:
    return await session.get(HouseholdFact, household_id, with_for_update=lock or None)


async def member(session: AsyncSession, member_id: uuid.UUID, *, lock: bool = False) -> MemberFact | None:
    return await session.get(MemberFact, member_id, with_for_update=lock or None)


async def households(session: AsyncSession, household_ids: list[uuid.UUID], *,
                     lock: bool = False) -> dict[uuid.UUID, HouseholdFact]:
    """The households known of these ids, by id (row-locked with ``lock``, in id order)."""
    if not household_ids:
        return {}
    query = select(HouseholdFact).where(HouseholdFact.id.in_(household_ids)).order_by(HouseholdFact.id)
    if lock:
        query = query.with_for_update()
    return {h.id: h for h in (await session.execute(query)).scalars()}


async def members(session: AsyncSession, member_ids: list[uuid.UUID], *,
                  lock: bool = False) -> dict[uuid.UUID, MemberFact]:
    """The members known of these ids, by id (row-locked with ``lock``, in id order)."""
    if not member_ids:
        return {}
    query = select(MemberFact).where(MemberFact.id.in_(member_ids)).order_by(MemberFact.id)
    if lock:
        query = query.with_for_update()
    return {m.id: m for m in (await session.execute(query)).scalars()}


async def present_members(session: AsyncSession, household_id: uuid.UUID) -> list[MemberFact]:
    query = select(MemberFact).where(MemberFact.household_id == household_id, MemberFact.status == "present")
    return list((await session.execute(query)).scalars())


async def insured_members(session: AsyncSession, household_id: uuid.UUID) -> list[MemberFact]:
    """Present members with basic medical insurance (参保), in a stable order."""
    query = select(MemberFact).where(MemberFact.household_id == household_id, MemberFact.status == "present",
                                     MemberFact.medical_insurance.is_(True)).order_by(MemberFact.id)
    return list((await session.execute(query)).scalars())
