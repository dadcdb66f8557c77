"""Statements of a department's feed (issue 18): the appraisal feeds (住建 housing, 水利 water) and the feeds
that change a member's facts (医保 health insurance, 教育 education, 人社 human resources, 残联 disability).

Set-based as the income batch (repository/records.py): every household (and member) the feed names locked and
read in one statement, the domain's rule run in memory record by record, then the feed's rows written in a few
statements for the whole feed — an appraisal feed's by ``records.record_batch``, as the income batch's; the events
are the unit of work's (``publish_all``) — not the ORM's objects, flush and round trips per record.
"""

import functools
import json
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.db import driver_connection, transaction_connection
from registry.repository.records import APPENDS, copy_history, stamped, update_households


@functools.lru_cache(maxsize=4)
def _locking(kind: str) -> str:
    household_columns = ", ".join(f"h.{c}" for c in APPENDS[kind][2])
    return f"""
SELECT m.id_number, h.id, h.village_code, h.version, {household_columns}
  FROM members m JOIN households h ON h.id = m.household_id
 WHERE m.id_number = ANY($1::text[]) AND m.removed_on IS NULL AND starts_with(h.village_code, $2)
 ORDER BY h.id
   FOR UPDATE OF h
"""


async def lock_holders(session: AsyncSession, kind: str, id_numbers: list[str], scope: str
                       ) -> dict[str, SimpleNamespace]:
    """ID number → the household of its current holder inside ``scope``, with the facts a ``kind`` of appraisal
    reads, locked in id order (two feeds naming the same households wait for each other instead of
    deadlocking). Members of one household share one namespace: a record sees the change of the one before."""
    if not id_numbers:
        return {}
    rows = await (await transaction_connection(session)).fetch(_locking(kind), id_numbers, scope)
    households: dict[uuid.UUID, SimpleNamespace] = {}
    for row in rows:
        if row["id"] not in households:
            households[row["id"]] = SimpleNamespace(**{k: v for k, v in row.items() if k != "id_number"},
                                                    updated_at=None)
    return {row["id_number"]: households[row["id"]] for row in rows}


#: what the feeds that change a member or its household read of the household (``lock_members``)
_HOUSEHOLD = ("village_code", "version", "size", "poverty_status", "year_lifted", "dibao", "tekun")
#: the household locked before the member, as every member write takes them (``members.LOCK_FOR_CHANGE``)
LOCK_MEMBERS = f"""
SELECT m.*, {", ".join(f"h.{c} AS household_{c}" for c in _HOUSEHOLD)}
  FROM members m JOIN households h ON h.id = m.household_id
 WHERE m.id_number = ANY($1::text[]) AND m.removed_on IS NULL AND starts_with(h.village_code, $2)
 ORDER BY h.id, m.id
   FOR UPDATE OF h, m
"""


async def lock_members(session: AsyncSession, id_numbers: list[str], scope: str
                       ) -> dict[str, tuple[SimpleNamespace, SimpleNamespace]]:
    """ID number → (its current holder inside ``scope``, the household), locked in household order as
    ``lock_holders`` locks; namespaces the domain changes as it would ORM objects (``members.lock_for_change``),
    the members of one household sharing one household."""
    if not id_numbers:
        return {}
    rows = await (await transaction_connection(session)).fetch(LOCK_MEMBERS, id_numbers, scope)
    households: dict[uuid.UUID, SimpleNamespace] = {}
    found = {}
    for row in rows:
        member = dict(row)
        facts = {c: member.pop(f"household_{c}") for c in _HOUSEHOLD}
        household = households.setdefault(member["household_id"], SimpleNamespace(
            id=member["household_id"], **facts, updated_at=None))
        found[member["id_number"]] = (SimpleNamespace(**member), household)
    return found


@dataclass
class FeedChanges:
    """What a feed's changes of members and households write: each member's and household's last state and the
    columns changed on any, the history rows (stamped with the household's ``updated_at``: every change touches
    it) and the events, in the feed's order."""

    members: dict[uuid.UUID, SimpleNamespace] = field(default_factory=dict)
    member_columns: dict[str, None] = field(default_factory=dict)
    households: dict[uuid.UUID, SimpleNamespace] = field(default_factory=dict)
    household_columns: dict[str, None] = field(default_factory=lambda: {"updated_at": None})
    history: list[dict[str, Any]] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)

    def add(self, member: SimpleNamespace, household: SimpleNamespace, history: list[dict[str, Any]],
            events: list[Any], member_columns: tuple[str, ...] = (), household_columns: tuple[str, ...] = ()
            ) -> None:
        if member_columns:
            self.members[member.id] = member
            self.member_columns.update(dict.fromkeys(member_columns))
        self.households[household.id] = household
        self.household_columns.update(dict.fromkeys(household_columns))
        self.history += stamped(history, household.updated_at)
        self.events += events


@functools.lru_cache(maxsize=32)
def _updating_members(columns: tuple[str, ...]) -> str:
    sets = (*columns, "version", "updated_at")
    return f"""
UPDATE members m SET {", ".join(f"{c} = u.{c}" for c in sets)}
  FROM jsonb_populate_recordset(NULL::members, $1::jsonb) AS u
 WHERE m.id = u.id
"""


async def record_feed_changes(session: AsyncSession, batch: FeedChanges) -> None:
    """The batch's members updated in one statement (every column the feed changed on any of them: the others'
    values are the ones read under the lock), its households in one (likewise), the history rows copied in, in
    the transaction ``lock_members`` began."""
    if not batch.households:
        return
    con = await driver_connection(session)
    if batch.members:
        columns = tuple(batch.member_columns)
        # one JSON document a member: PostgreSQL reads each value as the members table's column type
        rows = json.dumps([{c: getattr(m, c) for c in ("id", *columns, "version", "updated_at")}
                           for m in batch.members.values()], default=str)
        await con.execute(_updating_members(columns), rows)
    await update_households(con, list(batch.households.values()), tuple(batch.household_columns))
    await copy_history(con, batch.history)
