"""The household file shows the monitoring category monitoring decided (监测对象类别, 风险是否消除,
风险识别时间, 风险消除时间): the registry consumes ``monitoring.case`` for confirmation, risk elimination
and reopening, so the file and its national export agree with monitoring."""

import uuid
from collections.abc import Callable

from backstop_common.auth import Principal, Role
from backstop_common.consumer import Handler
from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from backstop_events.monitoring import CaseConfirmed, CaseReopened, Elimination
from registry.domain import history
from registry.domain.members import touch
from registry.domain.publishing import emit
from registry.events import CONSUMED_CASE_TYPES, HouseholdUpdated
from registry.models import Household

#: who the history names for these changes: the monitoring service, not a person
MONITORING = Principal(subject="monitoring", role=Role.SYSTEM, area_code="000000000000")


async def _follow(uow: UnitOfWork, household_id: uuid.UUID, changes: Callable[[Household], dict]) -> None:
    household = await uow.session.get(Household, household_id, with_for_update=True)
    if household is None:
        return
    changed = history.diff(household, changes(household))
    if not changed:
        return
    for field, (_, new) in changed.items():
        setattr(household, field, new)
    touch(household, uow.clock.now())
    history.record(uow.session, MONITORING, household.id, "household", household.id, "monitoring_status",
                   changed, version=household.version)
    emit(uow, HouseholdUpdated(household_id=household.id, village_code=household.village_code,
                               changed=sorted(changed), monitoring_category=household.monitoring_category))


async def on_case_confirmed(event: Event, data: CaseConfirmed, uow: UnitOfWork) -> None:
    """监测对象: the category, identified on the day of the confirmation."""
    await _follow(uow, data.household_id, lambda _: {
        "monitoring_category": data.category, "risk_eliminated": False, "risk_identified_on": event.time.date(),
        "risk_eliminated_on": None})


async def on_risk_eliminated(event: Event, data: Elimination, uow: UnitOfWork) -> None:
    """风险消除 on the day the county approved it."""
    await _follow(uow, data.household_id, lambda _: {"risk_eliminated": True,
                                                     "risk_eliminated_on": event.time.date()})


async def on_case_reopened(event: Event, data: CaseReopened, uow: UnitOfWork) -> None:
    """Risk returned: an eliminated household is at risk again."""
    await _follow(uow, data.household_id, lambda household: {
        "risk_eliminated": False, "risk_eliminated_on": None} if household.risk_eliminated else {})


HANDLERS: dict[str, Handler] = {
    CONSUMED_CASE_TYPES["case.confirmed"]: on_case_confirmed,
    CONSUMED_CASE_TYPES["case.risk_eliminated"]: on_risk_eliminated,
    CONSUMED_CASE_TYPES["case.reopened"]: on_case_reopened,
}
