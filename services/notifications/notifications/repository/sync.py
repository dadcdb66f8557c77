"""The inbox a phone keeps offline (离线同步): the recipient's messages written after a cursor (new ones, and
ones read or escalated since), and tombstones of any removed."""

import uuid

from sqlalchemy import exists, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.sync import Cursor, Removed, Since
from backstop_common.sync_queries import changed_after, horizon, removed_after
from notifications.models import Message


async def inbox_changes(session: AsyncSession, recipient_id: uuid.UUID, since: Since
                        ) -> tuple[list[tuple[Cursor, Message]], list[tuple[Cursor, Removed]]]:
    below = await horizon(session, since)
    query = select(Message).where(Message.recipient_id == recipient_id)
    rows = (await session.execute(changed_after(query, Message.changed_xid, Message.id, since, below))).scalars().all()
    removed = await removed_after(session, since, below, lambda scope: scope == str(recipient_id),
                                  lambda item: exists().where(Message.id == item))
    return [(Cursor(m.changed_xid, m.id), m) for m in rows], removed
