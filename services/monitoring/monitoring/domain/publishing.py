"""Stage a ``monitoring.case`` event for a case in the outbox (same transaction as the change)."""

from typing import Any

from pydantic import BaseModel

from backstop_common.auth import Principal
from backstop_common.topics import MONITORING_CASE
from backstop_common.uow import UnitOfWork
from monitoring.events import PUBLISHED, Actor
from monitoring.models import Case


def actor_of(principal: Principal | None) -> Actor | None:
    return Actor(user_id=principal.subject, role=str(principal.role)) if principal else None


def case_event(name: str, case: Case, principal: Principal | None = None, **fields: Any) -> BaseModel:
    """The payload of ``monitoring.case`` event ``name`` about ``case`` (its event model)."""
    return PUBLISHED[name](case_id=case.id, household_id=case.household_id, village_code=case.village_code,
                           actor=actor_of(principal), **fields)


def publish_case(uow: UnitOfWork, name: str, case: Case, principal: Principal | None = None, **fields: Any) -> None:
    uow.publish(MONITORING_CASE, name, subject=case.id, area_code=case.village_code,
                data=case_event(name, case, principal, **fields))
