"""Stage a ``monitoring.case`` event for a case in the outbox (same transaction as the change)."""

from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter

from backstop_common.auth import Principal
from backstop_common.topics import MONITORING_CASE
from backstop_common.uow import UnitOfWork
from monitoring.events import PUBLISHED, Actor
from monitoring.models import Case


def actor_of(principal: Principal | None) -> Actor | None:
    return Actor(user_id=principal.subject, role=str(principal.role)) if principal else None


def case_fields(case: Case, principal: Principal | None = None, **fields: Any) -> dict[str, Any]:
    """The fields of a ``monitoring.case`` event's payload about ``case``, before its model checks them."""
    return dict(case_id=case.id, household_id=case.household_id, village_code=case.village_code,
                actor=actor_of(principal), **fields)


def case_event(name: str, case: Case, principal: Principal | None = None, **fields: Any) -> BaseModel:
    """The payload of ``monitoring.case`` event ``name`` about ``case`` (its event model)."""
    return PUBLISHED[name](**case_fields(case, principal, **fields))


@cache
def _many(name: str) -> TypeAdapter:
    return TypeAdapter(list[PUBLISHED[name]])


def case_payloads(events: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The JSON payloads of many events — (name, ``case_fields``) each, in order — checked and dumped by their
    models a list per event name at once: the same dicts as ``case_event(...).model_dump(mode="json")`` one at a
    time, without two calls into pydantic a row (a re-screen announces tens of thousands)."""
    out: list[dict[str, Any]] = [{}] * len(events)
    by_name: dict[str, list[int]] = {}
    for i, (name, _) in enumerate(events):
        by_name.setdefault(name, []).append(i)
    for name, at in by_name.items():
        adapter = _many(name)
        dumped = adapter.dump_python(adapter.validate_python([events[i][1] for i in at]), mode="json")
        for i, payload in zip(at, dumped, strict=True):
            out[i] = payload
    return out


def publish_case(uow: UnitOfWork, name: str, case: Case, principal: Principal | None = None, **fields: Any) -> None:
    uow.publish(MONITORING_CASE, name, subject=case.id, area_code=case.village_code,
                data=case_event(name, case, principal, **fields))
