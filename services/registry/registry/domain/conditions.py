"""Living conditions: housing safety (住房安全) and drinking water (饮水安全) assessments, disasters."""

import uuid

from backstop_common.auth import Principal
from backstop_common.uow import UnitOfWork
from registry.domain import history
from registry.domain.guards import household_for_write, may_write, writable
from registry.domain.members import touch
from registry.domain.publishing import emit, emitted_row
from registry.events import DisasterReported, HousingAssessed, WaterAssessed
from registry.models import Disaster, Household, HousingAssessment, WaterAssessment
from registry.repository import records
from registry.schemas.records import DisasterCreate, HousingAssessmentCreate, WaterAssessmentCreate


def decide_housing(uow: UnitOfWork, principal: Principal, household, data: HousingAssessmentCreate,
                   source: str = "registry") -> tuple[HousingAssessment, list[dict], HousingAssessed]:
    """The appraisal, the household's grade (it follows the most recent one) and version, the history rows
    and the event — decided, not yet written."""
    assessment = HousingAssessment(household_id=household.id, **data.model_dump(), source=source,
                                   assessed_by=principal.subject)
    previous = household.housing_grade
    newer = household.housing_assessed_on is None or data.assessed_on >= household.housing_assessed_on
    if newer:
        household.housing_grade, household.housing_assessed_on = data.grade, data.assessed_on
    touch(household, uow.clock.now())
    rows = history.rows(principal, household.id, "housing_assessment", assessment.id,
                        source if source != "registry" else "assessed",
                        {"housing_grade": (previous, data.grade)} if newer and previous != data.grade else None,
                        version=household.version, snapshot={"grade": data.grade, "assessed_on": data.assessed_on})
    event = HousingAssessed(household_id=household.id, village_code=household.village_code, grade=data.grade,
                            previous_grade=previous, assessed_on=data.assessed_on)
    return assessment, rows, event


def apply_housing(uow: UnitOfWork, principal: Principal, household: Household, data: HousingAssessmentCreate,
                  source: str = "registry") -> HousingAssessment:
    """Record the appraisal on an ORM household (a department's feed)."""
    assessment, rows, event = decide_housing(uow, principal, household, data, source)
    uow.session.add(assessment)
    history.add(uow.session, rows)
    emit(uow, event)
    return assessment


async def assess_housing(uow: UnitOfWork, principal: Principal, household_id: uuid.UUID,
                         data: HousingAssessmentCreate, expected: int | None) -> HousingAssessment:
    """The single route: two statements (repository/records.py), as the income assessment."""
    may_write(principal)
    household = writable(principal, await records.lock_for_housing(uow.session, household_id), expected)
    assessment, rows, event = decide_housing(uow, principal, household, data)
    await records.record_housing(uow.session, assessment, household, rows, emitted_row(uow, event))
    return assessment


async def assess_water(uow: UnitOfWork, principal: Principal, household_id: uuid.UUID,
                       data: WaterAssessmentCreate, expected: int | None) -> WaterAssessment:
    household = await household_for_write(uow.session, principal, household_id, expected)
    return await apply_water(uow, principal, household, data)


async def apply_water(uow: UnitOfWork, principal: Principal, household: Household, data: WaterAssessmentCreate,
                      action: str = "assessed") -> WaterAssessment:
    """Record the assessment; the household's safe water follows the most recent one."""
    assessment = WaterAssessment(household_id=household.id, **data.model_dump(), assessed_by=principal.subject)
    uow.session.add(assessment)
    previous = household.safe_water
    if household.water_assessed_on is None or data.assessed_on >= household.water_assessed_on:
        household.safe_water, household.water_assessed_on = data.safe_water, data.assessed_on
    touch(household, uow.clock.now())
    await uow.session.flush()
    history.record(uow.session, principal, household.id, "water_assessment", assessment.id, action,
                   {"safe_water": (previous, household.safe_water)} if previous != household.safe_water else None,
                   version=household.version, snapshot=data.model_dump())
    emit(uow, WaterAssessed(household_id=household.id, village_code=household.village_code,
                            safe_water=data.safe_water, previous_safe_water=previous, assessed_on=data.assessed_on))
    return assessment


async def report_disaster(uow: UnitOfWork, principal: Principal, household_id: uuid.UUID,
                          data: DisasterCreate, expected: int | None) -> Disaster:
    household = await household_for_write(uow.session, principal, household_id, expected)
    disaster = Disaster(household_id=household.id, **data.model_dump(), reported_by=principal.subject)
    uow.session.add(disaster)
    touch(household, uow.clock.now())
    await uow.session.flush()
    history.record(uow.session, principal, household.id, "disaster", disaster.id, "reported",
                   version=household.version, snapshot=data.model_dump())
    emit(uow, DisasterReported(household_id=household.id, village_code=household.village_code,
                               disaster_id=disaster.id, disaster_type=data.disaster_type,
                               loss_amount=data.loss_amount, occurred_on=data.occurred_on))
    return disaster
