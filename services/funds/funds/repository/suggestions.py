"""Subsidy suggestions for monitored households: kept up to date while open, marked once paid."""

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from funds.models import Suggestion


async def upsert_open(session: AsyncSession, values: dict) -> None:
    """Insert the suggestion, or refresh amount, basis and case of the one still open (a paid one stays)."""
    stmt = insert(Suggestion.__table__).values(id=uuid.uuid4(), **values)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["household_id", "member_key", "kind", "period"],
        set_={"amount": stmt.excluded.amount, "basis": stmt.excluded.basis, "case_id": stmt.excluded.case_id},
        where=Suggestion.__table__.c.status == "open"))


async def for_payment(session: AsyncSession, household_id: uuid.UUID, member_key: str, kind: str,
                      period: str) -> list[Suggestion]:
    """The suggestions a subsidy paid for this household (or member), kind and period answers."""
    rows = await session.execute(select(Suggestion).where(
        Suggestion.household_id == household_id, Suggestion.member_key == member_key,
        Suggestion.kind == kind, Suggestion.period == period))
    return list(rows.scalars())
