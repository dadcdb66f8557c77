"""Queries on routing rules."""

import uuid

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.models import RoutingRule


async def enabled_for(session: AsyncSession, event_type: str, area: str | None) -> list[RoutingRule]:
    stmt = select(RoutingRule).where(RoutingRule.enabled, RoutingRule.event_type == event_type)
    rules = (await session.execute(stmt)).scalars()
    return [r for r in rules if (area or "").startswith(r.area_prefix)]


async def get(session: AsyncSession, rule_id: uuid.UUID) -> RoutingRule | None:
    return await session.get(RoutingRule, rule_id)
