"""/api/v1/webhooks: outbound subscriptions of other government systems; paused ones are reported here."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy import func, select

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal, Principal
from backstop_common.concurrency import check_version, expected_version
from backstop_common.i18n import msg
from backstop_common.paging import Page, Paging
from backstop_common.problems import Forbidden, NotFound
from notifications.api.deps import ADMIN_ROLES
from notifications.domain.webhooks import new_secret
from notifications.models import WebhookDelivery, WebhookSubscription
from notifications.schemas.webhooks import WebhookCreated, WebhookIn, WebhookOut, WebhookPatch

router = APIRouter(tags=["webhooks"])


async def _out(uow, sub: WebhookSubscription) -> WebhookOut:
    counts = dict((await uow.session.execute(
        select(WebhookDelivery.status, func.count()).where(WebhookDelivery.subscription_id == sub.id)
        .group_by(WebhookDelivery.status))).all())
    return WebhookOut.model_validate(sub).model_copy(update={"pending": counts.get("pending", 0),
                                                             "failed": counts.get("failed", 0)})


async def _get(uow, principal: Principal, sub_id: uuid.UUID, lock: bool = False) -> WebhookSubscription:
    sub = await uow.session.get(WebhookSubscription, sub_id, with_for_update=lock)
    if sub is None or not principal.covers(sub.owner_area):
        raise NotFound("webhook subscription not found")
    return sub


@router.post("/webhooks", status_code=201, response_model=WebhookCreated)
async def create_webhook(body: WebhookIn, uow: UoW, principal: CurrentPrincipal):
    """订阅事件推送 — subscribes a system to events.

    The signing secret (``whsec_…``) is in this answer only; keep it."""
    principal.ensure_role(*ADMIN_ROLES)
    if not body.area_prefix.startswith(principal.scope):
        raise Forbidden(msg("area prefix {prefix} is outside your area {scope}", prefix=body.area_prefix or "(all)",
                            scope=principal.scope))
    sub = WebhookSubscription(**body.model_dump(), secret=new_secret(), owner_area=principal.area_code)
    uow.session.add(sub)
    await uow.session.flush()
    out = await _out(uow, sub)
    await uow.commit()
    return WebhookCreated(**out.model_dump(), secret=sub.secret)


@router.get("/webhooks", response_model=Page[WebhookOut])
async def list_webhooks(uow: UoW, principal: CurrentPrincipal, paging: Paging):
    """事件推送订阅 — subscriptions of the caller's area.

    Each with its pending and failed deliveries; paused ones show when they paused."""
    principal.ensure_role(*ADMIN_ROLES, "auditor", "system")
    where = WebhookSubscription.owner_area.startswith(principal.scope)
    total = (await uow.session.execute(select(func.count()).select_from(WebhookSubscription).where(where))).scalar_one()
    rows = (await uow.session.execute(select(WebhookSubscription).where(where).order_by(WebhookSubscription.created_at)
                                      .limit(paging.limit).offset(paging.offset))).scalars().all()
    return Page(items=[await _out(uow, s) for s in rows], total=total)


@router.get("/webhooks/{sub_id}", response_model=WebhookOut)
async def read_webhook(sub_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """订阅详情 — one subscription.

    The subscription with its delivery counts."""
    principal.ensure_role(*ADMIN_ROLES, "auditor", "system")
    return await _out(uow, await _get(uow, principal, sub_id))


@router.patch("/webhooks/{sub_id}", response_model=WebhookOut)
async def update_webhook(sub_id: uuid.UUID, body: WebhookPatch, uow: UoW,
                         principal: CurrentPrincipal, version: Annotated[int, Depends(expected_version)]):
    """修改订阅 — changes or resumes a subscription.

    Change url/event types, or ``{"paused": false}`` to resume (its waiting deliveries go out again)."""
    principal.ensure_role(*ADMIN_ROLES)
    sub = await _get(uow, principal, sub_id, lock=True)
    check_version(sub.version, version, "webhook subscription")
    if body.url is not None:
        sub.url = body.url
    if body.event_types is not None:
        sub.event_types = body.event_types
    if body.paused is not None and body.paused != sub.paused:
        sub.paused, sub.paused_at = body.paused, uow.clock.now() if body.paused else None
        sub.consecutive_failures = 0
    sub.version += 1
    await uow.session.flush()
    out = await _out(uow, sub)
    await uow.commit()
    return out


@router.delete("/webhooks/{sub_id}", status_code=204)
async def delete_webhook(sub_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """删除订阅 — deletes a subscription.

    Deletes the subscription and its waiting deliveries."""
    principal.ensure_role(*ADMIN_ROLES)
    sub = await _get(uow, principal, sub_id, lock=True)
    for delivery in (await uow.session.execute(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id))).scalars():
        await uow.session.delete(delivery)
    await uow.session.delete(sub)
    await uow.commit()
    return Response(status_code=204)
