"""/api/v1/messages: who was told what about an event, and how delivery went (scoped to the caller's area)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.openapi import refuses_roles
from backstop_common.paging import Page, Paging
from notifications.api.deps import READ_ROLES
from notifications.repository import messages as repo
from notifications.schemas.messages import DeliveryOut, MessageWithDeliveries

router = APIRouter(tags=["messages"])


@router.get("/messages", response_model=Page[MessageWithDeliveries], responses=refuses_roles("offices, village cadres, auditors and systems only"))
async def list_messages(uow: UoW, principal: CurrentPrincipal, paging: Paging,
                        event_id: Annotated[uuid.UUID | None, Query()] = None,
                        recipient_id: Annotated[uuid.UUID | None, Query()] = None):
    """消息记录 — who was told what, and how delivery went.

    Messages sent about events in the caller's area, with each channel's deliveries; filter by event or recipient."""
    principal.ensure_role(*READ_ROLES)
    rows, total = await repo.search(uow.session, principal.scope, event_id=event_id, recipient_id=recipient_id,
                                    limit=paging.limit, offset=paging.offset)
    deliveries = await repo.deliveries_of(uow.session, [m.id for m in rows])
    items = [MessageWithDeliveries(**MessageWithDeliveries.model_validate(m).model_dump(exclude={"deliveries"}),
                                   deliveries=[DeliveryOut.model_validate(d) for d in deliveries[m.id]])
             for m in rows]
    return Page(items=items, total=total)
