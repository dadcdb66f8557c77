"""Queries on risk signals."""

import uuid

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models import Signal


async def get(session: AsyncSession, signal_id: uuid.UUID) -> Signal | None:
    return await session.get(Signal, signal_id)


async def by_fact(session: AsyncSession, household_id: uuid.UUID, rule: str, fact_key: str) -> Signal | None:
    return (await session.execute(select(Signal).where(
        Signal.household_id == household_id, Signal.rule == rule, Signal.fact_key == fact_key))).scalars().first()


async def for_household(session: AsyncSession, household_id: uuid.UUID) -> list[Signal]:
    rows = await session.execute(select(Signal).where(Signal.household_id == household_id)
                                 .order_by(Signal.created_at))
    return list(rows.scalars())
