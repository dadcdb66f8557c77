"""Queries on deliveries: what the dispatcher sends next, and how many SMS a recipient got today."""

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common import bulk, driver

from notifications.models import Attempt, Delivery, Message, Recipient
from notifications.repository.rows import with_new_ids


async def sms_since(session: AsyncSession, recipient_ids: list[uuid.UUID], since: datetime) -> dict[uuid.UUID, int]:
    """How many SMS deliveries each recipient was given since ``since`` (absent: none)."""
    if not recipient_ids:
        return {}
    query = (select(Delivery.recipient_id, func.count()).where(
        Delivery.recipient_id.in_(recipient_ids), Delivery.channel == "sms", Delivery.created_at >= since)
        .group_by(Delivery.recipient_id))
    return dict((await session.execute(query)).all())


async def insert_all(session: AsyncSession, rows: list[dict]) -> None:
    """Every planned delivery in one statement (``_insert``)."""
    await _insert(session, Delivery.__table__, rows)


async def insert_attempts(session: AsyncSession, rows: list[dict]) -> None:
    """Send attempts in one statement (``_insert``: a dispatcher step sends up to ``dispatch_batch_size``)."""
    await _insert(session, Attempt.__table__, rows)


async def _insert(session: AsyncSession, table, rows: list[dict]) -> None:
    """The rows, each given a new id, in one statement of column arrays on asyncpg's connection (as the messages'
    insert, ``messages.insert_new``)."""
    if rows:
        rows = with_new_ids(rows)
        columns = tuple(rows[0])
        await driver.execute(session, bulk.insert(table, columns), bulk.arrays(table, rows, columns))


async def due(session: AsyncSession, status: str, now: datetime, limit: int) -> list[tuple[Delivery, Message, Recipient]]:
    """Deliveries in ``status`` due by ``now``, oldest first, with their message and recipient; each row
    locked and skipped by another instance already holding it (two dispatchers never send one twice)."""
    query = (select(Delivery, Message, Recipient)
             .join(Message, Message.id == Delivery.message_id).join(Recipient, Recipient.id == Delivery.recipient_id)
             .where(Delivery.status == status, Delivery.next_attempt_at <= now)
             .order_by(Delivery.next_attempt_at).limit(limit)
             .with_for_update(of=Delivery, skip_locked=True))
    return [tuple(row) for row in (await session.execute(query)).all()]
