"""Queries on routing rules."""

import uuid

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.models import RoutingRule


async def enabled_for(session: AsyncSession, event_type: str, area: str | None) -> list[RoutingRule]:
    return covering(await enabled_of_type(session, event_type), area)


async def enabled_of_type(session: AsyncSession, event_type: str) -> list[RoutingRule]:
    """Every enabled rule of the type, whatever its area."""
    stmt = select(RoutingRule).where(RoutingRule.enabled, RoutingRule.event_type == event_type)
    return list((await session.execute(stmt)).scalars())


def covering(rules: list[RoutingRule], area: str | None) -> list[RoutingRule]:
    """The rules whose area holds ``area``."""
    return [r for r in rules if (area or "").startswith(r.area_prefix)]


async def get(session: AsyncSession, rule_id: uuid.UUID, *, lock: bool = False) -> RoutingRule | None:
    return await session.get(RoutingRule, rule_id, with_for_update=lock or None)


async def id_named(session: AsyncSession, name: str) -> uuid.UUID | None:
    return (await session.execute(select(RoutingRule.id).where(RoutingRule.name == name))).scalar_one_or_none()


async def by_name(session: AsyncSession, event_type: str | None) -> list[RoutingRule]:
    """Every rule (of ``event_type`` when given), in the order of their names."""
    where = [RoutingRule.event_type == event_type] if event_type else []
    return list((await session.execute(select(RoutingRule).where(*where).order_by(RoutingRule.name))).scalars())
