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
    IncomeAssessmentBatch, IncomeAssessmentBatchResult, IncomeAssessmentCreate, IncomeAssessmentRead, MeasureCreate,
    MeasureRead, WaterAssessmentCreate, WaterAssessmentRead,
)

router = APIRouter(tags=["household records"])
Version = Annotated[int | None, Depends(optional_version)]
BASE = "/households/{household_id}"


def _route(path: str, body_type, read_type, action, doc: str):
    async def handler(household_id: uuid.UUID, body: body_type, uow: UoW, principal: CurrentPrincipal,
                      version: Version):
        record = await action(uow, principal, household_id, body, version)
        await uow.commit()
        return read_type.model_validate(record, from_attributes=True)

    handler.__name__, handler.__doc__ = action.__name__, doc
    router.add_api_route(BASE + path, handler, methods=["POST"], status_code=201, response_model=read_type)


_route("/income-assessments", IncomeAssessmentCreate, IncomeAssessmentRead, income.assess_income,
       """登记收入评估 — records an income assessment.

       A year's income by kind (wage, business and its costs, property, transfers); the per-capita income is
       computed. An income below the monitoring line may open a case in monitoring.""")
_route("/housing-assessments", HousingAssessmentCreate, HousingAssessmentRead, conditions.assess_housing,
       """住房安全鉴定 — records a housing safety rating.

       The house's grade (A–D) and when it was rated; a C or D rating is a housing risk for monitoring.""")
_route("/water-assessments", WaterAssessmentCreate, WaterAssessmentRead, conditions.assess_water,
       """饮水安全评估 — records a drinking-water assessment.

       Whether the household's drinking water is safe, and when it was assessed; unsafe water is a risk for monitoring.""")
_route("/disasters", DisasterCreate, DisasterRead, conditions.report_disaster,
       """灾情登记 — records a disaster's loss to the household.

       The disaster type (national code), the loss and when it happened; a heavy loss may open a case.""")
_route("/measures", MeasureCreate, MeasureRead, support.give_measure,
       """帮扶措施 — records a support measure given.

       A measure (industry, employment, education, health, housing …) with its date, amount and responsible unit.""")


@router.post("/income-assessments/batch", response_model=IncomeAssessmentBatchResult)
async def assess_incomes(body: IncomeAssessmentBatch, uow: UoW, principal: CurrentPrincipal):
    """批量登记收入评估 — many income assessments in one request (a collection day, a phone's sync).

    Up to 2,000 records, each by the rules of `POST /households/{id}/income-assessments`; a refused one
    changes nothing and comes back by index with its problem, the others are recorded with their events.
    With `Idempotency-Key`, a repeat of the same batch returns the first answer and records nothing again."""
    result = await income.assess_incomes(uow, principal, body.items)
    await uow.commit()
    return result


@router.post(BASE + "/helpers", status_code=201, response_model=HelperRead)
async def assign_helper(household_id: uuid.UUID, body: HelperCreate, uow: UoW, principal: CurrentPrincipal,
                        version: Version):
    """结对帮扶 — pairs a helper with the household.

    A cadre or official who helps the household (帮扶责任人), with their unit and user id."""
    helper = await support.assign_helper(uow, principal, household_id, body, version)
    await uow.commit()
    return helper_view(helper, principal.sees_identifiers)
