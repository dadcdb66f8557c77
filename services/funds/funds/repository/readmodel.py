"""Read-model queries: the households and members registry and monitoring events described."""

import uuid

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from funds.models import HouseholdFact, MemberFact


async def household(session: AsyncSession, household_id: uuid.UUID, *, lock: bool = False) -> HouseholdFact | None:
    return await session.get(HouseholdFact, household_id, with_for_update=lock or None)


async def member(session: AsyncSession, member_id: uuid.UUID, *, lock: bool = False) -> MemberFact | None:
    return await session.get(MemberFact, member_id, with_for_update=lock or None)


async def _by_ids(session: AsyncSession, model, ids: list[uuid.UUID], lock: bool) -> dict:
    """The rows of ``model`` known of these ids, by id (row-locked with ``lock``, in id order)."""
    if not ids:
        return {}
    query = select(model).where(model.id.in_(ids)).order_by(model.id)
    if lock:
        query = query.with_for_update()
    return {row.id: row for row in (await session.execute(query)).scalars()}


async def households(session: AsyncSession, household_ids: list[uuid.UUID], *,
                     lock: bool = False) -> dict[uuid.UUID, HouseholdFact]:
    return await _by_ids(session, HouseholdFact, household_ids, lock)


async def members(session: AsyncSession, member_ids: list[uuid.UUID], *,
                  lock: bool = False) -> dict[uuid.UUID, MemberFact]:
    return await _by_ids(session, MemberFact, member_ids, lock)


async def present_members(session: AsyncSession, household_id: uuid.UUID) -> list[MemberFact]:
    query = select(MemberFact).where(MemberFact.household_id == household_id, MemberFact.status == "present")
    return list((await session.execute(query)).scalars())


async def insured_members(session: AsyncSession, household_id: uuid.UUID) -> list[MemberFact]:
    """Present members with basic medical insurance (参保), in a stable order."""
    query = select(MemberFact).where(MemberFact.household_id == household_id, MemberFact.status == "present",
                                     MemberFact.medical_insurance.is_(True)).order_by(MemberFact.id)
    return list((await session.execute(query)).scalars())
