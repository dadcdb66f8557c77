"""Queries on webhook subscriptions and their queued deliveries."""

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.models import WebhookDelivery, WebhookSubscription
from notifications.repository.rows import with_new_ids


async def subscriptions(session: AsyncSession) -> list[WebhookSubscription]:
    return list((await session.execute(select(WebhookSubscription))).scalars())


_QUEUE = insert(WebhookDelivery.__table__).on_conflict_do_nothing(constraint="uq_webhook_deliveries_sub_event")


async def queue(session: AsyncSession, rows: list[dict]) -> None:
    """Queue deliveries in one statement (the rows as parameter sets: ``messages.insert_new`` says why), each
    unless its subscriber already has its event."""
    if rows:
        await session.execute(_QUEUE, with_new_ids(rows))


async def lock_subscription(session: AsyncSession, sub_id: uuid.UUID) -> WebhookSubscription | None:
    """The subscription row-locked, or None when it is gone or another worker holds it."""
    query = select(WebhookSubscription).where(WebhookSubscription.id == sub_id).with_for_update(skip_locked=True)
    return (await session.execute(query)).scalar_one_or_none()


async def pending_of(session: AsyncSession, sub_id: uuid.UUID, limit: int) -> list[WebhookDelivery]:
    """The subscriber's pending deliveries in the order their events came."""
    query = (select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id, WebhookDelivery.status == "pending")
             .order_by(WebhookDelivery.created_at, WebhookDelivery.id).limit(limit))
    return list((await session.execute(query)).scalars())


async def subscribers_due(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    """Subscribers not paused with a pending delivery due by ``now``."""
    query = (select(WebhookDelivery.subscription_id).distinct()
             .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
             .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now,
                    WebhookSubscription.paused.is_(False)))
    return list((await session.execute(query)).scalars())


async def paused_count(session: AsyncSession) -> int:
    query = select(func.count()).select_from(WebhookSubscription).where(WebhookSubscription.paused)
    return (await session.execute(query)).scalar_one()


async def get(session: AsyncSession, sub_id: uuid.UUID, *, lock: bool = False) -> WebhookSubscription | None:
    return await session.get(WebhookSubscription, sub_id, with_for_update=lock or None)


async def owned_within(session: AsyncSession, scope: str, *, limit: int,
                       offset: int) -> tuple[list[WebhookSubscription], int]:
    """Subscriptions owned by offices in the area ``scope``, oldest first, and how many there are."""
    where = WebhookSubscription.owner_area.startswith(scope)
    total = (await session.execute(select(func.count()).select_from(WebhookSubscription).where(where))).scalar_one()
    rows = await session.execute(select(WebhookSubscription).where(where).order_by(WebhookSubscription.created_at)
                                 .limit(limit).offset(offset))
    return list(rows.scalars()), total


async def counts_by_status(session: AsyncSession, sub_id: uuid.UUID) -> dict[str, int]:
    rows = await session.execute(select(WebhookDelivery.status, func.count())
                                 .where(WebhookDelivery.subscription_id == sub_id).group_by(WebhookDelivery.status))
    return dict(rows.all())


async def delete_with_deliveries(session: AsyncSession, sub: WebhookSubscription) -> None:
    rows = await session.execute(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id))
    for delivery in rows.scalars().all():
        await session.delete(delivery)
    await session.delete(sub)
