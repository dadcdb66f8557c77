"""Queries on recipients and the household read model."""

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import area_prefix
from backstop_common.db import transaction_connection
from notifications.models import HouseholdFacts, Recipient


async def with_role_at(session: AsyncSession, roles: Iterable[str], area: str) -> list[Recipient]:
    stmt = select(Recipient).where(Recipient.active, Recipient.role.in_(list(roles)), Recipient.area_code == area)
    return list((await session.execute(stmt)).scalars())


async def with_role_within(session: AsyncSession, roles: Iterable[str], area: str) -> list[Recipient]:
    stmt = select(Recipient).where(Recipient.active, Recipient.role.in_(list(roles)),
                                   Recipient.area_code.startswith(area_prefix(area)))
    return list((await session.execute(stmt)).scalars())


async def of_unit_covering(session: AsyncSession, unit: str, area: str | None) -> list[Recipient]:
    """Recipients of ``unit`` whose own area contains the event's area (a county bureau covers its villages)."""
    rows = (await session.execute(select(Recipient).where(Recipient.active, Recipient.unit == unit))).scalars()
    return [r for r in rows if area is None or area.startswith(area_prefix(r.area_code))]


async def by_user_ids(session: AsyncSession, user_ids: Iterable[str]) -> list[Recipient]:
    ids = [u for u in user_ids if u]
    if not ids:
        return []
    stmt = select(Recipient).where(Recipient.active, Recipient.user_id.in_(ids))
    return list((await session.execute(stmt)).scalars())


async def by_user_id(session: AsyncSession, user_id: str) -> Recipient | None:
    return (await session.execute(select(Recipient).where(Recipient.user_id == user_id))).scalar_one_or_none()


async def unit_at(session: AsyncSession, unit: str, area_code: str) -> Recipient | None:
    """The unit's recipient at that area (the directory keeps one; should two exist, either answers)."""
    stmt = select(Recipient).where(Recipient.kind == "unit", Recipient.unit == unit, Recipient.area_code == area_code)
    return (await session.execute(stmt)).scalars().first()


async def get(session: AsyncSession, recipient_id: uuid.UUID, *, lock: bool = False) -> Recipient | None:
    return await session.get(Recipient, recipient_id, with_for_update=lock or None)


async def list_in_scope(session: AsyncSession, scope: str, *, role: str | None, unit: str | None,
                        limit: int, offset: int) -> tuple[list[Recipient], int]:
    where = [Recipient.area_code.startswith(scope)]
    if role:
        where.append(Recipient.role == role)
    if unit:
        where.append(Recipient.unit == unit)
    total = (await session.execute(select(func.count()).select_from(Recipient).where(*where))).scalar_one()
    rows = await session.execute(select(Recipient).where(*where).order_by(Recipient.area_code, Recipient.id)
                                 .limit(limit).offset(offset))
    return list(rows.scalars()), total


async def household(session: AsyncSession, household_id: str) -> HouseholdFacts | None:
    """Read from the table, not the session's memory: ``put_household`` writes past the ORM (an upsert), and a
    consumer's batch may have loaded the row before it."""
    return await session.get(HouseholdFacts, household_id, populate_existing=True)


class HouseholdPut(NamedTuple):
    """A household's facts as ``put_households`` writes them, and as routing reads them (``households``)."""

    household_id: str
    village_code: str | None
    helper_user_ids: list[str]


#: a household's facts as routing reads them (``households``): plain rows (``HouseholdPut``), no ORM objects — a bulk
#: import's fetch reads ~500 households. The ids go as one array parameter
_HOUSEHOLDS = ("SELECT household_id, village_code, helper_user_ids FROM household_facts "
               "WHERE household_id = ANY($1::text[])")


async def households(session: AsyncSession, household_ids: list[str]) -> dict[str, HouseholdPut]:
    """The known ones of these households, by id, read from the table on asyncpg's connection (every consumer turn
    reads them: ``messages.insert_new`` says why)."""
    driver = await transaction_connection(session)
    return {row[0]: HouseholdPut(*row) for row in await driver.fetch(_HOUSEHOLDS, household_ids)}


async def put_household(session: AsyncSession, household_id: str, village_code: str | None, helper_user_ids: list[str],
                        now: datetime) -> None:
    """The household as the registry registered it: inserted, or its village and helpers replaced."""
    await put_households(session, [(household_id, village_code, helper_user_ids)], now)


async def put_households(session: AsyncSession, households: list[tuple[str, str | None, list[str]]],
                         now: datetime) -> None:
    """``put_household`` for several (household, village, helpers), each once: one statement (the parameter sets
    sent as multi-row INSERTs)."""
    if not households:
        return
    ids, villages, helpers = zip(*households, strict=True)
    await session.execute(_PUT_HOUSEHOLDS, {"ids": list(ids), "villages": list(villages),
                                            "helpers": [json.dumps(h) if h else "[]" for h in helpers], "now": now})


#: the households as column arrays (``unnest``), not parameter sets SQLAlchemy turns into multi-row VALUES row by row
_PUT_HOUSEHOLDS = text("""
INSERT INTO household_facts (household_id, village_code, helper_user_ids, updated_at)
SELECT u.id, u.village, CAST(u.helpers AS jsonb), :now
FROM unnest(CAST(:ids AS text[]), CAST(:villages AS text[]), CAST(:helpers AS text[])) AS u(id, village, helpers)
ON CONFLICT (household_id) DO UPDATE SET village_code = excluded.village_code,
    helper_user_ids = excluded.helper_user_ids, updated_at = excluded.updated_at
""")
