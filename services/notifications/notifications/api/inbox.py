"""/api/v1/inbox: the caller's own messages (mobile and web clients); reading acknowledges."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.paging import Paging
from backstop_common.sync import Changes, changes, since
from notifications.domain import inbox
from notifications.repository import messages as repo
from notifications.repository import sync
from notifications.schemas.messages import Inbox, MessageOut

router = APIRouter(tags=["inbox"])


@router.get("/inbox", response_model=Inbox)
async def my_inbox(uow: UoW, principal: CurrentPrincipal, paging: Paging,
                   unread: Annotated[bool, Query()] = False):
    """我的消息 — the caller's own inbox.

    The caller's messages (or their unit's, for department staff), newest first, with the unread count."""
    me = await inbox.owner(uow, principal)
    if me is None:
        return Inbox(items=[], total=0, unread=0)
    rows, total, unread_count = await repo.inbox(uow.session, me.id, unread_only=unread,
                                                 limit=paging.limit, offset=paging.offset)
    return Inbox(items=rows, total=total, unread=unread_count)


@router.post("/inbox/{message_id}/read", response_model=MessageOut)
async def mark_read(message_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """标记已读 — reads (acknowledges) a message.

    Marks the message read, which acknowledges it (no escalation after this). Idempotent."""
    message = await inbox.mark_read(uow, principal, message_id)
    await uow.commit()
    return message


InboxSince = since("inbox", tombstones=True)


@router.get("/sync/inbox", response_model=Changes[MessageOut], tags=["sync"])
async def sync_inbox(uow: UoW, principal: CurrentPrincipal, given: InboxSince):
    """同步我的消息 — the inbox changed since the last sync.

    Your inbox (消息) changed since ``changed_since``: new messages, and those read or escalated since (离线同步,
    docs/clients.md)."""
    me = await inbox.owner(uow, principal)
    if me is None:
        return changes(given, [], [])
    rows, removed = await sync.inbox_changes(uow.session, me.id, given)
    return changes(given, [(key, MessageOut.model_validate(m)) for key, m in rows], removed)
