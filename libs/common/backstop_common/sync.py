"""Offline sync for phones (离线同步): a list read again "changed since" an opaque cursor.

A village cadre's phone keeps lists offline (the village's households, cases, plans, visits, problems,
its inbox). It reads each list once without ``changed_since``, then again and again with the ``next``
cursor of its last answer, and gets only what changed since: the rows to upsert (``items``) and the
rows to drop (``removed``: tombstones, for a row deleted or moved out of the caller's scope), together in
one stable order, ``limit`` at a time (``more`` says to ask again at once).

Tombstones are kept ``sync_tombstone_retention_days`` (90 by default), then purged
(``sync_queries.purge``); the purge leaves the list's *watermark*, the last position it purged. A cursor
before it may have missed a removal, so its list answers **410 Gone** (``reason: sync_cursor_expired``):
the phone drops the list and syncs it again without ``changed_since``.

The order is (the writing transaction's id, the row's id): ``sync_queries`` hands out only rows whose
transaction ended before any still running began, so a transaction that commits late can never slip
behind a cursor already given out (an ``updated_at`` taken at the transaction's start could). The
cursor names its list, so one list's cursor is refused by another (422, like any malformed one).
"""

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Generic, Literal, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

from backstop_common.clock import LOCAL
from backstop_common.i18n import msg
from backstop_common.problems import Gone, Unprocessable

T = TypeVar("T")
DEFAULT_LIMIT, MAX_LIMIT = 200, 500
#: why a row left a list (the tombstone's ``reason``)
RemovalReason = Literal["moved_out", "deleted"]


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in one list's change stream: after the row ``id`` written by transaction ``xid``."""

    xid: int
    id: uuid.UUID

    def encode(self, list_name: str) -> str:
        text = f"{list_name}:{self.xid}:{self.id.hex}".encode()
        return base64.urlsafe_b64encode(text).decode().rstrip("=")


START = Cursor(0, uuid.UUID(int=0))


def bad_cursor() -> Unprocessable:
    text = msg("changed_since is not a cursor this list gave out; sync again without it")
    return Unprocessable(text, errors=[{"loc": ["query", "changed_since"], "msg": text, "type": "sync_cursor"}])


def cursor_expired(retention_days: int) -> Gone:
    """The 410 of a cursor from before the list's purged tombstones: only a full sync is safe."""
    return Gone(msg("changed_since is older than the {days} days removals are kept; sync this list again "
                    "without it (a full sync)", days=retention_days), title=msg("Sync cursor expired"),
                reason="sync_cursor_expired", retention_days=retention_days)


def decode(text: str, list_name: str) -> Cursor:
    """The cursor a ``next`` of ``list_name`` carried, or a 422 naming ``changed_since``."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        name, xid, hex_id = raw.split(":")
        if name == list_name and xid.isdigit():
            return Cursor(int(xid), uuid.UUID(hex=hex_id))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise bad_cursor()


class Removed(BaseModel):
    """A tombstone: drop this row from the offline list."""

    id: uuid.UUID
    reason: RemovalReason = Field(description="moved_out: no longer in your area (迁出); deleted: gone (删除)")
    removed_at: datetime


class Changes(BaseModel, Generic[T]):
    """What changed since ``changed_since``: upsert ``items``, drop ``removed``, keep ``next`` for the next call."""

    items: list[T]
    removed: list[Removed]
    next: str = Field(description="changed_since for the next call (opaque)")
    more: bool = Field(description="more changes wait: call again at once with next")


@dataclass(frozen=True)
class Since:
    """Where a sync call starts (``None``: from the beginning, tombstones left out) and how much it takes."""

    list_name: str
    cursor: Cursor | None
    limit: int
    #: how long this service keeps tombstones (settings.sync_tombstone_retention_days), said in a 410
    retention_days: int = 90

    @property
    def after(self) -> Cursor:
        return self.cursor or START


CURSOR = "the next of your last sync of this list; leave out for everything"
#: ``changed_since`` of a list with tombstones: the OpenAPI document reads 410 from it (``openapi.py``)
CURSOR_EXPIRES = (CURSOR + ". A cursor older than the tombstones' retention (sync_tombstone_retention_days, "
                  "90 by default) answers 410 Gone: sync the list again without it")


def since(list_name: str, *, tombstones: bool = False):
    """The route dependency of one list: ``changed_since`` (opaque, from ``next``) and ``limit``;
    ``tombstones``: the list tells removals, so an expired cursor is a 410 (documented from the description)."""

    def read(request: Request, changed_since: Annotated[str | None, Query(
                 max_length=200, description=CURSOR_EXPIRES if tombstones else CURSOR)] = None,
             limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT) -> Since:
        cursor = None if changed_since is None else decode(changed_since, list_name)
        return Since(list_name, cursor, limit, request.app.state.settings.sync_tombstone_retention_days)

    return Annotated[Since, Depends(read)]


def changes(since: Since, items: list[tuple[Cursor, T]], removed: list[tuple[Cursor, Removed]]) -> Changes[T]:
    """Merge the two streams (each already ordered, each at most ``limit + 1`` long) into one answer."""
    merged = sorted([(key, 0, item) for key, item in items] + [(key, 1, gone) for key, gone in removed],
                    key=lambda entry: (entry[0], entry[1]))
    taken = merged[:since.limit]
    last = taken[-1][0] if taken else since.after
    return Changes(items=[entry for _, kind, entry in taken if kind == 0],
                      removed=[entry for _, kind, entry in taken if kind == 1],
                      next=last.encode(since.list_name), more=len(merged) > since.limit)


#: how far a phone's clock may run ahead of the server's (phones without network time drift)
CLOCK_SKEW = timedelta(minutes=5)


def occurred(value: datetime, now: datetime, *, not_before: datetime | None = None,
             field: str = "occurred_at") -> datetime:
    """When a thing recorded offline happened (``occurred_at``, tz-aware): not ahead of the server's ``now`` by
    more than ``CLOCK_SKEW``, not before what it is about existed (``not_before``); 422 naming the field."""
    if value.tzinfo is None:
        raise Unprocessable(msg("{field} needs a time zone (e.g. 2026-12-01T09:30:00+08:00)", field=field))
    if value > now + CLOCK_SKEW:
        raise Unprocessable(msg("{field} is in the future", field=field))
    if not_before is not None and value < not_before:
        raise Unprocessable(msg("{field} is before the record it belongs to existed", field=field))
    return value.astimezone(UTC)


def local_day(moment: datetime) -> date:
    """The county's date of a moment (Beijing time): the day a cadre would write down."""
    return moment.astimezone(LOCAL).date()
