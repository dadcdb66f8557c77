"""Queries of a caller's own inbox (``domain.inbox``): one message, held while it is read."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.models import Message


async def message_held(session: AsyncSession, message_id: uuid.UUID) -> Message | None:
    """The message, locked until the transaction ends (two clients marking it read at once write once)."""
    return await session.get(Message, message_id, with_for_update=True)
