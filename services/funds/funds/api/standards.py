"""Policy as data: subsidy standards and project policies per year and area."""

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal, Role
from backstop_common.clock import Now
from backstop_common.examples import example
from backstop_common.money import Money
from backstop_common.problems import NotFound
from funds.api.common import YearFilter, YearPath
from funds.domain import standards
from funds.enums import Stage, SubsidyKind
from funds.repository import policy as repo
from funds.schemas import StandardIn, StandardRead
from funds.schemas.reports import Listing, ProjectPolicyRead

router = APIRouter(tags=["policy"])
ADMINS = (Role.COUNTY_ADMIN, Role.SYSTEM)
Code = Annotated[str, Path(pattern=r"^[0-9]{12}$")]
#: no stage of the project library may be allowed more than ten years (the sweeper adds it to a date)
MAX_STAGE_DAYS = 3650


@example({"notice_days": 10,
          "stage_days": {"declared": 30, "appraised": 30},
          "min_return_rate": "0.10",
          "investment_per_person": "20000.00",
          "idle_days": 90})
class PolicyIn(BaseModel):
    notice_days: int = Field(ge=1, le=90)
    stage_days: dict[Stage, Annotated[int, Field(ge=1, le=MAX_STAGE_DAYS)]] = {}
    min_return_rate: Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)] = Decimal("0.10")
    investment_per_person: Money = Decimal("20000")
    #: days an allocation may keep money uncommitted before the sweeper flags it (资金闲置)
    idle_days: int = Field(default=90, ge=1, le=MAX_STAGE_DAYS)


@router.get("/standards", response_model=Listing[StandardRead])
async def list_standards(uow: UoW, principal: CurrentPrincipal, kind: SubsidyKind | None = None,
                         year: YearFilter = None):
    """补助标准 — the standard lines valid for the caller's area.

    Every standard line valid for the caller's area (their own and those above)."""
    rows = [StandardRead.model_validate(r) for r in await repo.standards_for(uow.session, principal, kind, year)]
    return Listing[StandardRead](items=rows, total=len(rows))


@router.put("/standards", response_model=StandardRead)
async def put_standard(body: StandardIn, uow: UoW, principal: CurrentPrincipal, now: Now):
    """设置补助标准 — sets one line of a standard.

    Set one line of a standard for a year and area (a later year's line replaces it from then on)."""
    principal.ensure_role(*ADMINS)
    principal.ensure_covers(body.area_code, "area")
    standards.check_policy_year(body.year, now)
    row = await repo.put_standard(uow.session, body.model_dump() | {"kind": body.kind.value})
    await uow.commit()
    return row


@router.get("/project-policies/{year}/{area_code}", response_model=ProjectPolicyRead)
async def get_policy(year: YearPath, area_code: Code, uow: UoW, principal: CurrentPrincipal):
    """项目政策 — the project policy in force.

    The project policy in force for that year and area (its own line or the nearest one above)."""
    policy = await repo.project_policy(uow.session, area_code, year)
    if policy is None or not (principal.covers(area_code) or area_code.startswith(principal.scope)):
        raise NotFound("no project policy for that year and area")
    return ProjectPolicyRead.model_validate(policy)


@router.put("/project-policies/{year}/{area_code}", response_model=ProjectPolicyRead)
async def put_policy(year: YearPath, area_code: Code, body: PolicyIn, uow: UoW, principal: CurrentPrincipal,
                     now: Now):
    """设置项目政策 — sets a year's project policy for an area.

    Notice days, stage limits, minimum return rate, investment per person and idle days (county admin)."""
    principal.ensure_role(*ADMINS)
    principal.ensure_covers(area_code, "area")
    standards.check_policy_year(year, now)
    await repo.put_policy(uow.session, body.model_dump() | {"year": year, "area_code": area_code})
    await uow.commit()
    return await get_policy(year, area_code, uow, principal)
