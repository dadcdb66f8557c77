"""Routing rules as data (通知规则): which rules an office sees and may change, and one name per rule.

An office works on the rules for the whole deployment and for areas overlapping its own; a rule's
changes go against the version last read (If-Match)."""

import uuid

from backstop_common.auth import Principal
from backstop_common.concurrency import check_version
from backstop_common.i18n import msg
from backstop_common.problems import Conflict, Forbidden, NotFound
from backstop_common.uow import UnitOfWork
from notifications.models import RoutingRule
from notifications.repository import rules as repo
from notifications.schemas.rules import RuleIn


def compatible(principal: Principal, prefix: str) -> bool:
    """A rule for the whole deployment ("") or for an area overlapping the caller's."""
    return prefix.startswith(principal.scope) or principal.scope.startswith(prefix)


def _ensure_compatible(principal: Principal, prefix: str) -> None:
    if not compatible(principal, prefix):
        raise Forbidden(msg("area prefix {prefix} is outside your area", prefix=prefix))


async def visible(uow: UnitOfWork, principal: Principal, event_type: str | None) -> list[RoutingRule]:
    return [r for r in await repo.by_name(uow.session, event_type) if compatible(principal, r.area_prefix)]


async def get(uow: UnitOfWork, principal: Principal, rule_id: uuid.UUID, *, lock: bool = False) -> RoutingRule:
    rule = await repo.get(uow.session, rule_id, lock=lock)
    if rule is None or not compatible(principal, rule.area_prefix):
        raise NotFound("routing rule not found")
    return rule


async def _ensure_unique_name(uow: UnitOfWork, name: str, rule_id: uuid.UUID | None = None) -> None:
    existing = await repo.id_named(uow.session, name)
    if existing is not None and existing != rule_id:
        raise Conflict(msg("a routing rule named {name} exists", name=repr(name)))


async def create(uow: UnitOfWork, principal: Principal, data: RuleIn) -> RoutingRule:
    _ensure_compatible(principal, data.area_prefix)
    await _ensure_unique_name(uow, data.name)
    rule = RoutingRule(**data.model_dump(mode="json"))
    uow.session.add(rule)
    await uow.session.flush()
    return rule


async def replace(uow: UnitOfWork, principal: Principal, rule_id: uuid.UUID, data: RuleIn, version: int) -> RoutingRule:
    rule = await get(uow, principal, rule_id, lock=True)
    check_version(rule.version, version, "routing rule")
    _ensure_compatible(principal, data.area_prefix)
    await _ensure_unique_name(uow, data.name, rule.id)
    for key, value in data.model_dump(mode="json").items():
        setattr(rule, key, value)
    rule.version += 1
    await uow.session.flush()
    return rule


async def delete(uow: UnitOfWork, principal: Principal, rule_id: uuid.UUID, version: int) -> None:
    rule = await get(uow, principal, rule_id, lock=True)
    check_version(rule.version, version, "routing rule")
    await uow.session.delete(rule)
