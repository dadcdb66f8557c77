"""Queries on deliveries: what the dispatcher sends next, and how many SMS a recipient got today."""

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.models import Delivery, Message, Recipient


async def sms_since(session: AsyncSession, recipient_id: uuid.UUID, since: datetime) -> int:
    query = select(func.count()).select_from(Delivery).where(
        Delivery.recipient_id == recipient_id, Delivery.channel == "sms", Delivery.created_at >= since)
    return (await session.execute(query)).scalar_one()


async def due(session: AsyncSession, status: str, now: datetime, limit: int) -> list[tuple[Delivery, Message, Recipient]]:
    """Deliveries in ``status`` due by ``now``, oldest first, with their message and recipient; each row
    locked and skipped by another instance already holding it (two dispatchers never send one twice)."""
    query = (select(Delivery, Message, Recipient)
             .join(Message, Message.id == Delivery.message_id).join(Recipient, Recipient.id == Delivery.recipient_id)
             .where(Delivery.status == status, Delivery.next_attempt_at <= now)
             .order_by(Delivery.next_attempt_at).limit(limit)
             .with_for_update(of=Delivery, skip_locked=True))
    return [tuple(row) for row in (await session.execute(query)).all()]
