"""Queries on messages and deliveries."""

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common import bulk, driver
from backstop_common.paging_queries import fetch_page

from notifications.models import Delivery, Message, Recipient
from notifications.repository.rows import with_new_ids


async def inbox(session: AsyncSession, recipient_id: uuid.UUID, *, unread_only: bool, limit: int,
                offset: int) -> tuple[list[Message], int, int]:
    where = [Message.recipient_id == recipient_id]
    unread_where = [*where, Message.read_at.is_(None)]
    if unread_only:
        where = unread_where
    total = (await session.execute(select(func.count()).select_from(Message).where(*where))).scalar_one()
    unread = (await session.execute(select(func.count()).select_from(Message).where(*unread_where))).scalar_one()
    rows = await session.execute(select(Message).where(*where)
                                 .order_by(Message.created_at.desc(), Message.id).limit(limit).offset(offset))
    return list(rows.scalars()), total, unread


async def search(session: AsyncSession, scope: str, *, event_id: uuid.UUID | None, recipient_id: uuid.UUID | None,
                 limit: int, offset: int) -> tuple[list[Message], int]:
    """Messages about events in the caller's area, or to recipients in it."""
    where = [(Message.event_area.startswith(scope)) | (Recipient.area_code.startswith(scope))]
    if event_id:
        where.append(Message.event_id == event_id)
    if recipient_id:
        where.append(Message.recipient_id == recipient_id)
    base = select(Message).join(Recipient, Recipient.id == Message.recipient_id).where(*where)
    return await fetch_page(session, base, Message.created_at, Message.id, limit=limit, offset=offset)


async def deliveries_of(session: AsyncSession, message_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Delivery]]:
    out: dict[uuid.UUID, list[Delivery]] = {m: [] for m in message_ids}
    if message_ids:
        for d in (await session.execute(select(Delivery).where(Delivery.message_id.in_(message_ids)))).scalars():
            out[d.message_id].append(d)
    return out


async def insert_once(session: AsyncSession, values: dict) -> uuid.UUID | None:
    """Insert unless this recipient already has this event; returns the new id or None."""
    return (await insert_new(session, [values])).get((values["event_id"], values["recipient_id"]))


async def insert_new(session: AsyncSession, rows: list[dict]) -> dict[tuple[uuid.UUID, uuid.UUID], uuid.UUID]:
    """Insert every (event, recipient) message not there yet, in one statement (column arrays, ``backstop_common.bulk``;
    every row with the same fields); returns the new ids by (event id, recipient id) — a pair already there (the
    event came again) is not in it."""
    if not rows:
        return {}
    rows = with_new_ids(rows)
    columns = tuple(rows[0])
    statement = bulk.insert(Message.__table__, columns, tail="ON CONFLICT ON CONSTRAINT uq_messages_event_recipient "
                            "DO NOTHING RETURNING id, event_id, recipient_id")
    # on asyncpg's connection: every consumer turn with a message sends it (SQLAlchemy's path is as much CPU again)
    created = await driver.fetch(session, statement, bulk.arrays(Message.__table__, rows, columns))
    return {(event_id, recipient_id): id_ for id_, event_id, recipient_id in created}


async def unacknowledged_past_due(session: AsyncSession, now: datetime, limit: int) -> list[Message]:
    """Original messages needing action, unread and not escalated, whose deadline is past; row-locked and
    skipped by another scan already holding them (escalated copies do not climb again)."""
    query = (select(Message)
             .where(Message.needs_ack, Message.read_at.is_(None), Message.escalated_at.is_(None),
                    Message.escalated_from_id.is_(None), Message.ack_due_at <= now)
             .order_by(Message.ack_due_at).limit(limit).with_for_update(skip_locked=True))
    return list((await session.execute(query)).scalars())
