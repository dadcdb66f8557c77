"""Routes that add to a household's file: income, housing, water, disasters, helpers, measures."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.concurrency import optional_version
from registry.domain import conditions, income, support
from registry.domain.views import helper_view
from registry.schemas.records import (
    DisasterCreate, DisasterRead, HelperCreate, HelperRead, HousingAssessmentCreate, HousingAssessmentRead,
    IncomeAssessmentCreate, IncomeAssessmentRead, MeasureCreate, MeasureRead, WaterAssessmentCreate,
    WaterAssessmentRead,
)

router = APIRouter(tags=["household records"])
Version = Annotated[int | None, Depends(optional_version)]
BASE = "/households/{household_id}"


def _route(path: str, body_type, read_type, action):
    async def handler(household_id: uuid.UUID, body: body_type, uow: UoW, principal: CurrentPrincipal,
                      version: Version):
        record = await action(uow, principal, household_id, body, version)
        await uow.commit()
        return read_type.model_validate(record, from_attributes=True)

    handler.__name__ = action.__name__
    router.add_api_route(BASE + path, handler, methods=["POST"], status_code=201, response_model=read_type)


_route("/income-assessments", IncomeAssessmentCreate, IncomeAssessmentRead, income.assess_income)
_route("/housing-assessments", HousingAssessmentCreate, HousingAssessmentRead, conditions.assess_housing)
_route("/water-assessments", WaterAssessmentCreate, WaterAssessmentRead, conditions.assess_water)
_route("/disasters", DisasterCreate, DisasterRead, conditions.report_disaster)
_route("/measures", MeasureCreate, MeasureRead, support.give_measure)


@router.post(BASE + "/helpers", status_code=201, response_model=HelperRead)
async def assign_helper(household_id: uuid.UUID, body: HelperCreate, uow: UoW, principal: CurrentPrincipal,
                        version: Version):
    helper = await support.assign_helper(uow, principal, household_id, body, version)
    await uow.commit()
    return helper_view(helper, principal.sees_identifiers)
