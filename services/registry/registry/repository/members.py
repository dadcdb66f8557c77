"""Queries on members."""

import uuid

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from registry.models import Household, Member


async def get_member(session: AsyncSession, member_id: uuid.UUID, *, lock: bool = False) -> Member | None:
    return await session.get(Member, member_id, with_for_update=lock or None)


async def members_of(session: AsyncSession, household_id: uuid.UUID) -> list[Member]:
    query = select(Member).where(Member.household_id == household_id).order_by(
        Member.is_head.desc(), Member.birth_date, Member.id)
    return list((await session.execute(query)).scalars().all())


async def current_holders(session: AsyncSession, id_numbers: list[str]) -> dict[str, Member]:
    """The current members holding any of these ID numbers."""
    if not id_numbers:
        return {}
    query = select(Member).where(Member.id_number.in_(id_numbers), Member.removed_on.is_(None))
    return {m.id_number: m for m in (await session.execute(query)).scalars().all()}


async def current_in_scope(session: AsyncSession, id_numbers: list[str], scope: str) -> dict[str, tuple]:
    """id_number → (member, household) for current members inside ``scope`` (department feeds)."""
    if not id_numbers:
        return {}
    query = (select(Member, Household).join(Household, Household.id == Member.household_id)
             .where(Member.id_number.in_(id_numbers), Member.removed_on.is_(None),
                    Household.village_code.startswith(scope, autoescape=True))
             .with_for_update(of=[Member, Household]))
    return {m.id_number: (m, h) for m, h in (await session.execute(query)).all()}


async def holder_in_scope(session: AsyncSession, id_number: str, scope: str) -> tuple | None:
    """(member id, household id, village) of the current member with this ID number inside ``scope``."""
    query = (select(Member.id, Household.id, Household.village_code)
             .join(Household, Household.id == Member.household_id)
             .where(Member.id_number == id_number, Member.removed_on.is_(None),
                    Household.village_code.startswith(scope, autoescape=True)))
    return (await session.execute(query)).first()
