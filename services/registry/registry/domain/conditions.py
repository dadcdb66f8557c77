"""Living conditions: housing safety (住房安全) and drinking water (饮水安全) assessments, disasters."""

import uuid

from backstop_common.auth import Principal
from backstop_common.uow import UnitOfWork
from registry.domain import history
from registry.domain.guards import may_write, writable
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
    household = await _locked(uow, principal, "housing", household_id, expected)
    assessment, rows, event = decide_housing(uow, principal, household, data)
    await records.record(uow.session, "housing", assessment, household, rows, emitted_row(uow, event))
    return assessment


async def _locked(uow: UnitOfWork, principal: Principal, kind: str, household_id: uuid.UUID, expected: int | None):
    may_write(principal)
    return writable(principal, await records.lock_household(uow.session, kind, household_id), expected)


async def assess_water(uow: UnitOfWork, principal: Principal, household_id: uuid.UUID,
                       data: WaterAssessmentCreate, expected: int | None) -> WaterAssessment:
    """The single route: two statements (repository/records.py), as the income assessment."""
    household = await _locked(uow, principal, "water", household_id, expected)
    assessment, rows, event = decide_water(uow, principal, household, data)
    await records.record(uow.session, "water", assessment, household, rows, emitted_row(uow, event))
    return assessment


def decide_water(uow: UnitOfWork, principal: Principal, household, data: WaterAssessmentCreate,
                 action: str = "assessed") -> tuple[WaterAssessment, list[dict], WaterAssessed]:
    """The check, the household's safe water (it follows the most recent one) and version, the history rows and
    the event — decided, not yet written."""
    assessment = WaterAssessment(household_id=household.id, **data.model_dump(), assessed_by=principal.subject)
    previous = household.safe_water
    if household.water_assessed_on is None or data.assessed_on >= household.water_assessed_on:
        household.safe_water, household.water_assessed_on = data.safe_water, data.assessed_on
    touch(household, uow.clock.now())
    rows = history.rows(principal, household.id, "water_assessment", assessment.id, action,
                        {"safe_water": (previous, household.safe_water)} if previous != household.safe_water else None,
                        version=household.version, snapshot=data.model_dump())
    event = WaterAssessed(household_id=household.id, village_code=household.village_code,
                          safe_water=data.safe_water, previous_safe_water=previous, assessed_on=data.assessed_on)
    return assessment, rows, event


async def apply_water(uow: UnitOfWork, principal: Principal, household: Household, data: WaterAssessmentCreate,
                      action: str = "assessed") -> WaterAssessment:
    """Record the check on an ORM household (a department's feed)."""
    assessment, rows, event = decide_water(uow, principal, household, data, action)
    uow.session.add(assessment)
    await uow.session.flush()
    history.add(uow.session, rows)
    emit(uow, event)
    return assessment


async def report_disaster(uow: UnitOfWork, principal: Principal, household_id: uuid.UUID,
                          data: DisasterCreate, expected: int | None) -> Disaster:
    """Two statements (repository/records.py), as the income assessment."""
    household = await _locked(uow, principal, "disaster", household_id, expected)
    disaster = Disaster(household_id=household.id, **data.model_dump(), reported_by=principal.subject)
    touch(household, uow.clock.now())
    rows = history.rows(principal, household.id, "disaster", disaster.id, "reported", version=household.version,
                        snapshot=data.model_dump())
    event = DisasterReported(household_id=household.id, village_code=household.village_code, disaster_id=disaster.id,
                             disaster_type=data.disaster_type, loss_amount=data.loss_amount,
                             occurred_on=data.occurred_on)
    await records.record(uow.session, "disaster", disaster, household, rows, emitted_row(uow, event))
    return disaster
