"""Paired helpers (帮扶责任人) and assistance measures actually given (帮扶措施)."""

import uuid

from backstop_common.auth import Principal
from backstop_common.uow import UnitOfWork
from registry.domain import history
from registry.domain.guards import household_for_write
from registry.domain.members import touch
from registry.domain.publishing import emit
from registry.events import HelperAssigned, MeasureGiven
from registry.models import Helper, Measure
from registry.schemas.records import HelperCreate, MeasureCreate


async def assign_helper(uow: UnitOfWork, principal: Principal, household_id: uuid.UUID, data: HelperCreate,
                        expected: int | None) -> Helper:
    household = await household_for_write(uow.session, principal, household_id, expected)
    helper = Helper(household_id=household.id, assigned_on=data.assigned_on or uow.clock.today(),
                    **data.model_dump(exclude={"assigned_on"}))
    uow.session.add(helper)
    touch(household, uow.clock.now())
    await uow.session.flush()
    history.record(uow.session, principal, household.id, "helper", helper.id, "assigned",
                   version=household.version, snapshot={"name": helper.name, "unit": helper.unit,
                                                        "user_id": helper.user_id})
    emit(uow, HelperAssigned(household_id=household.id, village_code=household.village_code,
                             helper_id=helper.id, helper_user_id=helper.user_id, unit=helper.unit))
    return helper


async def give_measure(uow: UnitOfWork, principal: Principal, household_id: uuid.UUID, data: MeasureCreate,
                       expected: int | None) -> Measure:
    household = await household_for_write(uow.session, principal, household_id, expected)
    measure = Measure(household_id=household.id, **data.model_dump(), recorded_by=principal.subject)
    uow.session.add(measure)
    touch(household, uow.clock.now())
    await uow.session.flush()
    history.record(uow.session, principal, household.id, "measure", measure.id, "given",
                   version=household.version, snapshot=data.model_dump())
    emit(uow, MeasureGiven(household_id=household.id, village_code=household.village_code,
                           measure_id=measure.id, measure_type=data.measure_type, amount=data.amount,
                           given_on=data.given_on, unit=data.unit))
    return measure
