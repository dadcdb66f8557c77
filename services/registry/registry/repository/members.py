"""Queries on members."""

import functools
import uuid
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.db import DriverSession, driver_connection, transaction_connection
from backstop_common.uow import OUTBOX_COLUMNS
from registry.models import Household, Member
from registry.repository.records import history_json, inserting_history


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


#: the household locked first, then the member (the order every member write takes: ``member_for_write``)
LOCK_FOR_CHANGE = """
WITH h AS MATERIALIZED (
  SELECT id, village_code, version FROM households
   WHERE id = (SELECT household_id FROM members WHERE id = $1) FOR UPDATE)
SELECT m.*, h.village_code AS household_village_code, h.version AS household_version
  FROM members m JOIN h ON h.id = m.household_id
 WHERE m.id = $1
   FOR UPDATE OF m
"""


async def lock_for_change(session: AsyncSession | DriverSession, member_id: uuid.UUID
                          ) -> tuple[SimpleNamespace, SimpleNamespace] | None:
    """(member, household) locked until commit, as namespaces the domain changes as it would ORM objects; None
    when there is no such member. One statement instead of the ORM's three (member, household, member again)."""
    row = await (await transaction_connection(session)).fetchrow(LOCK_FOR_CHANGE, member_id)
    if row is None:
        return None
    member = dict(row)
    household = SimpleNamespace(id=member["household_id"], village_code=member.pop("household_village_code"),
                                version=member.pop("household_version"), updated_at=None)
    return SimpleNamespace(**member), household


_OUTBOX_TYPES = ("uuid", "text", "text", "text", "text", "text", "text", "text", "timestamptz", "text")


@functools.lru_cache(maxsize=64)
def changing(columns: tuple[str, ...]) -> str:
    """One data-modifying statement for a member change: the member's ``columns`` with its version and
    ``updated_at`` ($1 the member, $2 its household), the household's ``updated_at``, the history rows (one JSON
    array) and the events' outbox rows (one array a column, in order)."""
    sets = [*columns, "version", "updated_at"]
    n = 2 + len(sets)
    outbox = [f"${n + 2 + i}::{t}[]" for i, t in enumerate(_OUTBOX_TYPES)]
    return f"""
WITH member AS (
  UPDATE members SET {", ".join(f"{c} = ${3 + i}" for i, c in enumerate(sets))} WHERE id = $1 RETURNING 1),
household AS (UPDATE households SET updated_at = ${n} WHERE id = $2 RETURNING 1),  -- the member's updated_at
history AS ({inserting_history(n + 1)}),
outbox AS (
  INSERT INTO outbox ({", ".join(OUTBOX_COLUMNS)}, attempts)
  SELECT {", ".join(f"o.{c}" for c in OUTBOX_COLUMNS[:-1])}, o.data::jsonb, 0
    FROM unnest({", ".join(outbox)}) WITH ORDINALITY AS o({", ".join(OUTBOX_COLUMNS)}, n)
   ORDER BY o.n
  RETURNING 1)
SELECT (SELECT count(*) FROM member) + (SELECT count(*) FROM household) + (SELECT count(*) FROM history)
       + (SELECT count(*) FROM outbox)
"""


async def record_change(session: AsyncSession | DriverSession, member: Any, columns: tuple[str, ...],
                        history: list[dict[str, Any]], outbox: list[dict[str, Any]]) -> None:
    """Write a locked member's changed ``columns``, version and ``updated_at`` (the household's too), the history
    rows and the events' outbox rows (``uow.publish_row``): one statement, in the transaction the lock began."""
    await session.flush()  # an event staged earlier in this transaction keeps its place before these
    con = await driver_connection(session)
    await con.fetchval(changing(columns), member.id, member.household_id,
                       *(getattr(member, c) for c in columns), member.version, member.updated_at,
                       history_json(history, member.updated_at), *([row[c] for row in outbox] for c in OUTBOX_COLUMNS))
