"""/api/v1/webhooks: outbound subscriptions of other government systems; paused ones are reported here."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.concurrency import expected_version
from backstop_common.openapi import refuses_roles
from backstop_common.paging import Page, Paging
from notifications.api.deps import ADMIN_ROLES
from notifications.domain import subscriptions
from notifications.repository import webhooks
from notifications.schemas.webhooks import WebhookCreated, WebhookIn, WebhookOut, WebhookPatch

router = APIRouter(tags=["webhooks"])
READ_WHO = "county offices, auditors and systems only"


@router.post("/webhooks", status_code=201, response_model=WebhookCreated)
async def create_webhook(body: WebhookIn, uow: UoW, principal: CurrentPrincipal):
    """订阅事件推送 — subscribes a system to events.

    The signing secret (``whsec_…``) is in this answer only; keep it."""
    principal.ensure_role(*ADMIN_ROLES)
    sub = await subscriptions.subscribe(uow, principal, body)
    out = await subscriptions.present(uow, sub)
    await uow.commit()
    return WebhookCreated(**out.model_dump(), secret=sub.secret)


@router.get("/webhooks", response_model=Page[WebhookOut], responses=refuses_roles(READ_WHO))
async def list_webhooks(uow: UoW, principal: CurrentPrincipal, paging: Paging):
    """事件推送订阅 — subscriptions of the caller's area.

    Each with its pending and failed deliveries; paused ones show when they paused."""
    principal.ensure_role(*ADMIN_ROLES, "auditor", "system")
    rows, total = await webhooks.owned_within(uow.session, principal.scope, limit=paging.limit, offset=paging.offset)
    return Page(items=[await subscriptions.present(uow, s) for s in rows], total=total)


@router.get("/webhooks/{sub_id}", response_model=WebhookOut, responses=refuses_roles(READ_WHO))
async def read_webhook(sub_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """订阅详情 — one subscription.

    The subscription with its delivery counts."""
    principal.ensure_role(*ADMIN_ROLES, "auditor", "system")
    return await subscriptions.present(uow, await subscriptions.get(uow, principal, sub_id))


@router.patch("/webhooks/{sub_id}", response_model=WebhookOut)
async def update_webhook(sub_id: uuid.UUID, body: WebhookPatch, uow: UoW,
                         principal: CurrentPrincipal, version: Annotated[int, Depends(expected_version)]):
    """修改订阅 — changes or resumes a subscription.

    Change url/event types, or ``{"paused": false}`` to resume (its waiting deliveries go out again)."""
    principal.ensure_role(*ADMIN_ROLES)
    sub = await subscriptions.change(uow, principal, sub_id, body, version)
    out = await subscriptions.present(uow, sub)
    await uow.commit()
    return out


@router.delete("/webhooks/{sub_id}", status_code=204)
async def delete_webhook(sub_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """删除订阅 — deletes a subscription.

    Deletes the subscription and its waiting deliveries."""
    principal.ensure_role(*ADMIN_ROLES)
    await subscriptions.unsubscribe(uow, principal, sub_id)
    await uow.commit()
    return Response(status_code=204)
