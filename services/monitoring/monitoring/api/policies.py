"""GET/PUT /api/v1/policies/{year}/{area_code}: the policy values, as data."""

from typing import Annotated

from fastapi import APIRouter, Path, Request

from backstop_common.app import UoW
from backstop_common.auth import AREAS_ABOVE_TOO, CurrentPrincipal
from backstop_common.jobs import unit_of_work
from monitoring.domain import policies
from monitoring.domain.rescreen import add_up, rescreen_counties
from monitoring.schemas import PolicyPutResult, PolicyRead, PolicyValues, RescreenRead

router = APIRouter(tags=["policies"])
Year = Annotated[int, Path(ge=2000, le=2100)]
AreaCode = Annotated[str, Path(pattern=r"^\d{12}$")]


@router.get("/policies/{year}/{area_code}", response_model=PolicyRead, openapi_extra=AREAS_ABOVE_TOO)
async def read_policy(year: Year, area_code: AreaCode, uow: UoW, principal: CurrentPrincipal):
    """监测政策 — the policy values in force.

    The values in force for the area and year (the row itself or the one inherited from above)."""
    return await policies.get_policy(uow, year, area_code)


@router.put("/policies/{year}/{area_code}", response_model=PolicyPutResult)
async def put_policy(year: Year, area_code: AreaCode, body: PolicyValues, uow: UoW, principal: CurrentPrincipal,
                     request: Request):
    """设置监测政策 — sets the area's policy values for a year.

    Set the area's row for the year and re-screen every household of the area in one pass (a row above a
    county: county by county, each county committed on its own, after the row)."""
    now = uow.clock.now()
    policy, result = await policies.put_policy(uow, principal, year, area_code, body.model_dump(), now)
    await uow.commit()
    if result.counties:
        counties = await rescreen_counties(lambda: unit_of_work(request.app), policy.year, policy.scope, now,
                                           request.app.state.settings.rescreen_parallelism)
        result = add_up([result, *counties])
    request.app.state.relay.wake()  # the re-screen wrote outbox rows in SQL
    return PolicyPutResult(policy=PolicyRead.model_validate(policy), rescreen=RescreenRead(**vars(result)))
