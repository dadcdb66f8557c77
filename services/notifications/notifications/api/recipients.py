"""/api/v1/recipients: the county directory of people and units, one by one or in bulk."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.concurrency import expected_version
from backstop_common.openapi import conflicts, refuses_roles
from backstop_common.paging import Page, Paging
from backstop_common.problems import NotFound
from notifications.api.deps import OFFICE_ROLES, READ_ROLES
from notifications.domain import directory
from notifications.repository import recipients as repo
from notifications.schemas.recipients import BulkResult, RecipientBulk, RecipientIn, RecipientOut

router = APIRouter(tags=["recipients"])
READ_WHO = "offices, village cadres, auditors and systems only"


@router.post("/recipients", status_code=201, response_model=RecipientOut,
             responses=conflicts("a recipient with that user_id exists"))
async def create_recipient(body: RecipientIn, uow: UoW, principal: CurrentPrincipal):
    """新增通讯录联系人 — adds a person or unit.

    A person or unit of the county directory with their role, area and channels."""
    principal.ensure_role(*OFFICE_ROLES)
    recipient = await directory.create(uow, principal, body)
    out = directory.present(uow, principal, recipient)
    await uow.commit()
    return out


@router.post("/recipients/bulk", response_model=BulkResult,
             responses=conflicts("a user_id appears twice in the batch"))
async def bulk_load(body: RecipientBulk, uow: UoW, principal: CurrentPrincipal):
    """批量导入通讯录 — loads many people and units.

    Creates new entries and updates existing ones (by user id or unit); counts what changed."""
    principal.ensure_role(*OFFICE_ROLES)
    result = await directory.bulk_load(uow, principal, body.items)
    await uow.commit()
    return result


@router.get("/recipients", response_model=Page[RecipientOut], responses=refuses_roles(READ_WHO))
async def list_recipients(uow: UoW, principal: CurrentPrincipal, paging: Paging,
                          role: Annotated[str | None, Query(max_length=50, pattern=r"^[a-z_]+$")] = None,
                          unit: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z0-9_.-]+$")] = None):
    """通讯录 — people and units of the caller's area.

    Filter by role or unit; phones masked unless the caller may see them."""
    principal.ensure_role(*READ_ROLES)
    rows, total = await repo.list_in_scope(uow.session, principal.scope, role=role, unit=unit,
                                           limit=paging.limit, offset=paging.offset)
    items = [directory.present(uow, principal, r) for r in rows]
    await uow.commit()
    return Page(items=items, total=total)


async def _visible(uow, principal, recipient_id: uuid.UUID):
    recipient = await repo.get(uow.session, recipient_id)
    if recipient is None or not principal.covers(recipient.area_code):
        raise NotFound("recipient not found")
    return recipient


@router.get("/recipients/{recipient_id}", response_model=RecipientOut, responses=refuses_roles(READ_WHO))
async def read_recipient(recipient_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """联系人详情 — one person or unit.

    The entry with its channels and version."""
    principal.ensure_role(*READ_ROLES)
    out = directory.present(uow, principal, await _visible(uow, principal, recipient_id))
    await uow.commit()
    return out


@router.put("/recipients/{recipient_id}", response_model=RecipientOut)
async def replace_recipient(recipient_id: uuid.UUID, body: RecipientIn, uow: UoW, principal: CurrentPrincipal,
                            version: Annotated[int, Depends(expected_version)]):
    """修改联系人 — replaces an entry.

    Replaces the person or unit against the version last read (If-Match)."""
    principal.ensure_role(*OFFICE_ROLES)
    recipient = await directory.replace(uow, principal, recipient_id, body, version)
    out = directory.present(uow, principal, recipient)
    await uow.commit()
    return out


@router.delete("/recipients/{recipient_id}", status_code=204)
async def deactivate_recipient(recipient_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """停用联系人 — deactivates an entry.

    Recipients are deactivated, not deleted: their messages stay."""
    principal.ensure_role(*OFFICE_ROLES)
    recipient = await _visible(uow, principal, recipient_id)
    recipient.active = False
    recipient.version += 1
    await uow.commit()
    return Response(status_code=204)
