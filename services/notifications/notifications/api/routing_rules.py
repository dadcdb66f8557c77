"""/api/v1/routing-rules: the rules as data, edited by the county office."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.concurrency import expected_version
from backstop_common.openapi import conflicts, refuses_roles
from backstop_common.paging import Page, Paging
from notifications.api.deps import ADMIN_ROLES, READ_ROLES
from notifications.domain import rules
from notifications.schemas.rules import RuleIn, RuleOut

router = APIRouter(tags=["routing rules"])
READ_WHO = "offices, village cadres, auditors and systems only"


@router.get("/routing-rules", response_model=Page[RuleOut], responses=refuses_roles(READ_WHO))
async def list_rules(uow: UoW, principal: CurrentPrincipal, paging: Paging,
                     event_type: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z_]+\.[a-z_]+$")] = None):
    """通知规则 — routing rules visible to the caller.

    Who hears of which event, as data; filter by event type."""
    principal.ensure_role(*READ_ROLES)
    rows = await rules.visible(uow, principal, event_type)
    return Page(items=rows[paging.offset:paging.offset + paging.limit], total=len(rows))


@router.post("/routing-rules", status_code=201, response_model=RuleOut,
             responses=conflicts("a routing rule of that name exists"))
async def create_rule(body: RuleIn, uow: UoW, principal: CurrentPrincipal):
    """新增通知规则 — adds a routing rule.

    Which event reaches which roles or units, by which channels, with which escalation (county office)."""
    principal.ensure_role(*ADMIN_ROLES)
    rule = await rules.create(uow, principal, body)
    await uow.commit()
    return rule


@router.get("/routing-rules/{rule_id}", response_model=RuleOut, responses=refuses_roles(READ_WHO))
async def read_rule(rule_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """通知规则详情 — one routing rule.

    The rule with its version."""
    principal.ensure_role(*READ_ROLES)
    return await rules.get(uow, principal, rule_id)


@router.put("/routing-rules/{rule_id}", response_model=RuleOut)
async def replace_rule(rule_id: uuid.UUID, body: RuleIn, uow: UoW, principal: CurrentPrincipal,
                       version: Annotated[int, Depends(expected_version)]):
    """修改通知规则 — replaces a routing rule.

    Replaces the rule against the version last read (If-Match); names stay unique."""
    principal.ensure_role(*ADMIN_ROLES)
    rule = await rules.replace(uow, principal, rule_id, body, version)
    await uow.commit()
    return rule


@router.delete("/routing-rules/{rule_id}", status_code=204)
async def delete_rule(rule_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal,
                      version: Annotated[int, Depends(expected_version)]):
    """删除通知规则 — deletes a routing rule.

    Deletes the rule against the version last read (If-Match)."""
    principal.ensure_role(*ADMIN_ROLES)
    await rules.delete(uow, principal, rule_id, version)
    await uow.commit()
    return Response(status_code=204)
