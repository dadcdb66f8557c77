"""Webhook subscriptions of other government systems (事件推送订阅): an office subscribes for its own area,
sees and changes its area's subscriptions, resumes a paused one. The signing secret is made here, once."""

import uuid

from backstop_common.auth import Principal
from backstop_common.concurrency import check_version
from backstop_common.i18n import msg
from backstop_common.problems import Forbidden, NotFound
from backstop_common.uow import UnitOfWork
from notifications.domain.webhooks import new_secret
from notifications.models import WebhookSubscription
from notifications.repository import webhooks as repo
from notifications.schemas.webhooks import WebhookIn, WebhookOut, WebhookPatch


async def present(uow: UnitOfWork, sub: WebhookSubscription) -> WebhookOut:
    """The subscription with how many of its deliveries wait and how many failed."""
    counts = await repo.counts_by_status(uow.session, sub.id)
    return WebhookOut.model_validate(sub).model_copy(update={"pending": counts.get("pending", 0),
                                                             "failed": counts.get("failed", 0)})


async def get(uow: UnitOfWork, principal: Principal, sub_id: uuid.UUID, *, lock: bool = False) -> WebhookSubscription:
    sub = await repo.get(uow.session, sub_id, lock=lock)
    if sub is None or not principal.covers(sub.owner_area):
        raise NotFound("webhook subscription not found")
    return sub


async def subscribe(uow: UnitOfWork, principal: Principal, data: WebhookIn) -> WebhookSubscription:
    if not data.area_prefix.startswith(principal.scope):
        raise Forbidden(msg("area prefix {prefix} is outside your area {scope}", prefix=data.area_prefix or "(all)",
                            scope=principal.scope))
    sub = WebhookSubscription(**data.model_dump(), secret=new_secret(), owner_area=principal.area_code)
    uow.session.add(sub)
    await uow.session.flush()
    return sub


async def change(uow: UnitOfWork, principal: Principal, sub_id: uuid.UUID, data: WebhookPatch,
                 version: int) -> WebhookSubscription:
    """A new url or event types, or paused/resumed (resuming lets its waiting deliveries go out again)."""
    sub = await get(uow, principal, sub_id, lock=True)
    check_version(sub.version, version, "webhook subscription")
    if data.url is not None:
        sub.url = data.url
    if data.event_types is not None:
        sub.event_types = data.event_types
    if data.paused is not None and data.paused != sub.paused:
        sub.paused, sub.paused_at = data.paused, uow.clock.now() if data.paused else None
        sub.consecutive_failures = 0
    sub.version += 1
    await uow.session.flush()
    return sub


async def unsubscribe(uow: UnitOfWork, principal: Principal, sub_id: uuid.UUID) -> None:
    """The subscription goes, and its waiting deliveries with it."""
    await repo.delete_with_deliveries(uow.session, await get(uow, principal, sub_id, lock=True))
