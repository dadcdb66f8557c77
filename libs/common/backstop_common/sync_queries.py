"""The queries of offline sync (``sync.py``): the horizon, a list's rows changed after a cursor, its tombstones.

Only rows written by transactions older than every transaction still running are handed out (below the
*horizon*, ``pg_snapshot_xmin``): those can no longer change what a later call sees before the cursor. A
transaction still open (a long import) holds the horizon back; its changes, and any after it, come in a
later call, never lost.

Tombstones older than ``sync_tombstone_retention_days`` are purged (``purge``, every
``sync_purge_interval_s``). The purge keeps, per list, a *watermark* row in the same table (list
``purged:<list>``, reason ``purged``: the last position it deleted); a cursor before it gets 410.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from fastapi import FastAPI
from sqlalchemy import ColumnElement, Select, delete, literal, select, text, tuple_
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.jobs import periodic, unit_of_work
from backstop_common.sync import Cursor, Removed, Since, bad_cursor, cursor_expired
from backstop_common.sync_schema import Tombstone

log = structlog.get_logger()
WATERMARK = "purged:"


async def horizon(session: AsyncSession, since: Since) -> int:
    """The horizon of this call; a cursor at or past it was not given out by this database (a forged one, or
    one from before a restore into a new cluster, whose transaction ids start again): 422, sync from scratch."""
    found = (await session.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))).scalar_one()
    if since.after.xid >= found:
        raise bad_cursor()
    return found


def changed_after(query: Select, xid, id_, since: Since, below: int) -> Select:
    """``query`` narrowed to rows after the cursor and below the horizon, in sync order, ``limit + 1`` of them."""
    after = since.after
    return (query.where(tuple_(xid, id_) > tuple_(literal(after.xid), literal(after.id)), xid < below)
            .order_by(xid, id_).limit(since.limit + 1))


async def removed_after(session: AsyncSession, since: Since, below: int, in_scope: Callable[[object], ColumnElement],
                        still_listed: Callable[[object], ColumnElement]) -> list[tuple[Cursor, Removed]]:
    """The list's tombstones after the cursor whose old scope is the caller's and whose row the caller no
    longer sees (a household that left one village of a township for another stays in the township's list).
    None on a first sync: the phone holds nothing to drop."""
    if since.cursor is None:
        return []
    await _not_purged_past(session, since)
    query = changed_after(select(Tombstone).where(Tombstone.list == since.list_name, in_scope(Tombstone.scope),
                                                  ~still_listed(Tombstone.item_id)),
                          Tombstone.changed_xid, Tombstone.item_id, since, below)
    return [(Cursor(t.changed_xid, t.item_id), Removed(id=t.item_id, reason=t.reason, removed_at=t.removed_at))
            for t in (await session.execute(query)).scalars()]


async def _not_purged_past(session: AsyncSession, since: Since) -> None:
    """410 when the purge deleted tombstones after the cursor: the phone may have missed a removal (a cursor
    at the watermark itself was given out with that removal)."""
    mark = (await session.execute(select(Tombstone.changed_xid, Tombstone.item_id).where(
        Tombstone.list == WATERMARK + since.list_name))).first()
    if mark is not None and since.after < Cursor(mark.changed_xid, mark.item_id):
        raise cursor_expired(since.retention_days)


async def purge_tombstones(session: AsyncSession, before: datetime) -> int:
    """Delete the tombstones removed before ``before``; move each list's watermark to the last one deleted
    (in sync order), never back."""
    gone = (await session.execute(delete(Tombstone).where(
        ~Tombstone.list.startswith(WATERMARK), Tombstone.removed_at < before)
        .returning(Tombstone.list, Tombstone.changed_xid, Tombstone.item_id))).all()
    last: dict[str, Cursor] = {}
    for row in gone:
        last[row.list] = max(last.get(row.list, Cursor(0, row.item_id)), Cursor(row.changed_xid, row.item_id))
    for name, cursor in last.items():
        old = (await session.execute(delete(Tombstone).where(Tombstone.list == WATERMARK + name)
                                     .returning(Tombstone.changed_xid, Tombstone.item_id))).first()
        mark = max(cursor, Cursor(old.changed_xid, old.item_id)) if old else cursor
        session.add(Tombstone(list=WATERMARK + name, item_id=mark.id, scope="", reason="purged",
                              removed_at=before, changed_xid=mark.xid))
    await session.flush()
    return len(gone)


async def purge_once(app: FastAPI, now: datetime | None = None) -> int:
    """One round: the tombstones older than ``sync_tombstone_retention_days`` on the app's clock."""
    async with unit_of_work(app) as uow:
        days = app.state.settings.sync_tombstone_retention_days
        purged = await purge_tombstones(uow.session, (now or uow.clock.now()) - timedelta(days=days))
    if purged:
        log.info("sync.tombstones_purged", rows=purged)
    return purged


#: the job of each service that keeps offline lists (``ServiceSpec.background``): every ``sync_purge_interval_s``
purge = periodic("sync.purge", purge_once, interval="sync_purge_interval_s")
