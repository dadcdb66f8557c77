"""/api/v1/routing-rules: the rules as data, edited by the county office."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal, Principal
from backstop_common.concurrency import check_version, expected_version
from backstop_common.i18n import msg
from backstop_common.paging import Page, Paging
from backstop_common.problems import Conflict, Forbidden, NotFound
from notifications.api.deps import ADMIN_ROLES, READ_ROLES
from notifications.models import RoutingRule
from notifications.schemas.rules import RuleIn, RuleOut

router = APIRouter(tags=["routing rules"])


def _compatible(principal: Principal, prefix: str) -> bool:
    """A rule for the whole deployment ("") or for an area overlapping the caller's."""
    return prefix.startswith(principal.scope) or principal.scope.startswith(prefix)


def _dump(body: RuleIn) -> dict:
    return body.model_dump(mode="json")


async def _get(uow, principal: Principal, rule_id: uuid.UUID, lock: bool = False) -> RoutingRule:
    rule = await uow.session.get(RoutingRule, rule_id, with_for_update=lock)
    if rule is None or not _compatible(principal, rule.area_prefix):
        raise NotFound("routing rule not found")
    return rule


async def _ensure_unique_name(uow, name: str, rule_id: uuid.UUID | None = None) -> None:
    stmt = select(RoutingRule.id).where(RoutingRule.name == name)
    existing = (await uow.session.execute(stmt)).scalar_one_or_none()
    if existing is not None and existing != rule_id:
        raise Conflict(msg("a routing rule named {name} exists", name=repr(name)))


@router.get("/routing-rules", response_model=Page[RuleOut])
async def list_rules(uow: UoW, principal: CurrentPrincipal, paging: Paging,
                     event_type: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z_]+\.[a-z_]+$")] = None):
    """通知规则 — routing rules visible to the caller.

    Who hears of which event, as data; filter by event type."""
    principal.ensure_role(*READ_ROLES)
    where = [RoutingRule.event_type == event_type] if event_type else []
    rows = [r for r in (await uow.session.execute(select(RoutingRule).where(*where).order_by(RoutingRule.name))).scalars()
            if _compatible(principal, r.area_prefix)]
    return Page(items=rows[paging.offset:paging.offset + paging.limit], total=len(rows))


@router.post("/routing-rules", status_code=201, response_model=RuleOut)
async def create_rule(body: RuleIn, uow: UoW, principal: CurrentPrincipal):
    """新增通知规则 — adds a routing rule.

    Which event reaches which roles or units, by which channels, with which escalation (county office)."""
    principal.ensure_role(*ADMIN_ROLES)
    if not _compatible(principal, body.area_prefix):
        raise Forbidden(msg("area prefix {prefix} is outside your area", prefix=body.area_prefix))
    await _ensure_unique_name(uow, body.name)
    rule = RoutingRule(**_dump(body))
    uow.session.add(rule)
    await uow.session.flush()
    await uow.commit()
    return rule


@router.get("/routing-rules/{rule_id}", response_model=RuleOut)
async def read_rule(rule_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """通知规则详情 — one routing rule.

    The rule with its version."""
    principal.ensure_role(*READ_ROLES)
    return await _get(uow, principal, rule_id)


@router.put("/routing-rules/{rule_id}", response_model=RuleOut)
async def replace_rule(rule_id: uuid.UUID, body: RuleIn, uow: UoW, principal: CurrentPrincipal,
                       version: Annotated[int, Depends(expected_version)]):
    """修改通知规则 — replaces a routing rule.

    Replaces the rule against the version last read (If-Match); names stay unique."""
    principal.ensure_role(*ADMIN_ROLES)
    rule = await _get(uow, principal, rule_id, lock=True)
    check_version(rule.version, version, "routing rule")
    if not _compatible(principal, body.area_prefix):
        raise Forbidden(msg("area prefix {prefix} is outside your area", prefix=body.area_prefix))
    await _ensure_unique_name(uow, body.name, rule.id)
    for key, value in _dump(body).items():
        setattr(rule, key, value)
    rule.version += 1
    await uow.session.flush()
    await uow.commit()
    return rule


@router.delete("/routing-rules/{rule_id}", status_code=204)
async def delete_rule(rule_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal,
                      version: Annotated[int, Depends(expected_version)]):
    """删除通知规则 — deletes a routing rule.

    Deletes the rule against the version last read (If-Match)."""
    principal.ensure_role(*ADMIN_ROLES)
    rule = await _get(uow, principal, rule_id, lock=True)
    check_version(rule.version, version, "routing rule")
    await uow.session.delete(rule)
    await uow.commit()
    return Response(status_code=204)
