"""The household file shows the monitoring category monitoring decided (监测对象类别, 风险是否消除,
风险识别时间, 风险消除时间): the registry consumes ``monitoring.case`` for confirmation, risk elimination
and reopening, so the file and its national export agree with monitoring."""

import uuid
from datetime import date

from backstop_common.auth import Principal, Role
from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from registry.domain import history
from registry.domain.members import touch
from registry.domain.publishing import emit
from registry.events import HouseholdUpdated
from registry.models import Household

#: who the history names for these changes: the monitoring service, not a person
MONITORING = Principal(subject="monitoring", role=Role.SYSTEM, area_code="000000000000")


def _changes(name: str, data: dict, household: Household, day: date) -> dict:
    if name == "case.confirmed":
        return {"monitoring_category": data["category"], "risk_eliminated": False, "risk_identified_on": day,
                "risk_eliminated_on": None}
    if name == "case.risk_eliminated":
        return {"risk_eliminated": True, "risk_eliminated_on": day}
    if name == "case.reopened" and household.risk_eliminated:
        return {"risk_eliminated": False, "risk_eliminated_on": None}
    return {}


async def on_case_event(event: Event, uow: UnitOfWork) -> None:
    household = await uow.session.get(Household, uuid.UUID(str(event.data["household_id"])), with_for_update=True)
    if household is None:
        return
    changed = history.diff(household, _changes(event.name, event.data, household, event.time.date()))
    if not changed:
        return
    for field, (_, new) in changed.items():
        setattr(household, field, new)
    touch(household)
    history.record(uow.session, MONITORING, household.id, "household", household.id, "monitoring_status",
                   changed, version=household.version)
    emit(uow, HouseholdUpdated(household_id=household.id, village_code=household.village_code,
                               changed=sorted(changed), monitoring_category=household.monitoring_category))
