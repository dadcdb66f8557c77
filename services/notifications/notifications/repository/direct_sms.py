"""Queries on the SMS other services asked for directly: only the reference is kept, never the phone."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.models import DirectSms


async def already_sent(session: AsyncSession, ref: uuid.UUID) -> bool:
    return await session.get(DirectSms, ref) is not None


def record(session: AsyncSession, ref: uuid.UUID, template: str, requested_by: str) -> None:
    session.add(DirectSms(ref=ref, template=template, requested_by=requested_by))
