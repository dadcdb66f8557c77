"""The queries of offline sync (``sync.py``): the horizon, a list's rows changed after a cursor, its tombstones.

Only rows written by transactions older than every transaction still running are handed out (below the
*horizon*, ``pg_snapshot_xmin``): those can no longer change what a later call sees before the cursor. A
transaction still open (a long import) holds the horizon back; its changes, and any after it, come in a
later call, never lost.
"""

from collections.abc import Callable

from sqlalchemy import ColumnElement, Select, literal, select, text, tuple_
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.sync import Cursor, Removed, Since, bad_cursor
from backstop_common.sync_schema import Tombstone


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
    query = changed_after(select(Tombstone).where(Tombstone.list == since.list_name, in_scope(Tombstone.scope),
                                                  ~still_listed(Tombstone.item_id)),
                          Tombstone.changed_xid, Tombstone.item_id, since, below)
    return [(Cursor(t.changed_xid, t.item_id), Removed(id=t.item_id, reason=t.reason, removed_at=t.removed_at))
            for t in (await session.execute(query)).scalars()]
