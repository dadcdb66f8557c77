"""The project library: declare, move through the stages, fund, beneficiaries and dividends."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from backstop_common.app import ReadModel, UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.clock import Now
from backstop_common.concurrency import expected_version, optional_version
from backstop_common.i18n import msg
from backstop_common.openapi import actions, conflicts
from backstop_common.paging import Page, Paging
from backstop_common.problems import NotFound
from funds.api.common import AreaFilter, YearFilter, commit
from funds.domain import beneficiaries, disbursements, projects
from funds.enums import ACTIONS, ProjectType, Stage
from funds.repository import projects as repo
from funds.schemas.reports import FundingRead, Listing, StageChangeRead
from funds.schemas import (BeneficiaryIn, BeneficiaryRead, DividendIn, DividendRead, FundingIn, ProjectCreate,
                           ProjectPatch, ProjectRead, TransitionIn)

router = APIRouter(tags=["projects"])
ProjectAction = actions("ProjectAction", [*ACTIONS, "transition"])


@router.post("/projects", status_code=201, response_model=ProjectRead)
async def declare(body: ProjectCreate, uow: UoW, principal: CurrentPrincipal, now: Now):
    """项目申报 — declares a project into the library.

    A project (项目库) with its type, area, budget and beneficiaries-to-be; it then moves through appraisal, notice,
    listing, implementation, acceptance and hand-over."""
    return await commit(uow, projects.declare(uow, principal, body, now))


@router.get("/projects", response_model=Page[ProjectRead])
async def list_projects(uow: UoW, principal: CurrentPrincipal, paging: Paging, area_code: AreaFilter = None,
                        stage: Stage | None = None, project_type: ProjectType | None = None, year: YearFilter = None):
    """项目库 — projects of the caller's area.

    Filter by area, stage, project type and year."""
    return await repo.list_projects(uow.session, principal, paging, area_code=area_code, stage=stage,
                                    project_type=project_type, year=year)


@router.get("/projects/{project_id}", response_model=ProjectRead)
async def read_project(project_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """项目详情 — one project.

    The project with its stage, budget, funding and assets."""
    return await projects.get_project(uow, principal, project_id)


@router.patch("/projects/{project_id}", response_model=ProjectRead)
async def amend(project_id: uuid.UUID, body: ProjectPatch, uow: UoW, principal: CurrentPrincipal,
                version: Annotated[int, Depends(expected_version)]):
    """修改项目 — changes a project's facts.

    Changes the project against the version last read (If-Match)."""
    return await commit(uow, projects.amend(uow, principal, project_id, body, version))


@router.get("/projects/{project_id}/history", response_model=Listing[StageChangeRead])
async def history(project_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """项目变更记录 — every step and change of a project.

    The project's stage changes and amendments, oldest first."""
    await projects.get_project(uow, principal, project_id)
    rows = await repo.history(uow.session, project_id)
    return Listing[StageChangeRead](items=[StageChangeRead.model_validate(r) for r in rows], total=len(rows))


@router.post("/projects/{project_id}/fundings", status_code=201, response_model=FundingRead,
             responses=conflicts("the project is not yet in the library (入库), or the allocation does not hold that much"))
async def fund(project_id: uuid.UUID, body: FundingIn, uow: UoW, principal: CurrentPrincipal):
    """项目资金安排 — commits allocated money to a project.

    Commits an amount of an allocation to the project (资金安排); the allocation's uncommitted money must cover it."""
    return FundingRead.model_validate(await commit(uow, disbursements.fund_project(uow, principal, project_id, body)))


@router.post("/projects/{project_id}/beneficiaries", status_code=201, response_model=BeneficiaryRead,
             responses=conflicts("the household already benefits from the project"))
async def add_beneficiary(project_id: uuid.UUID, body: BeneficiaryIn, uow: UoW, principal: CurrentPrincipal,
                          fresh: ReadModel):
    """项目受益户 — adds a beneficiary household.

    A household that benefits from the project (联农带农), with its share."""
    return await commit(uow, beneficiaries.add(uow, principal, project_id, body, fresh))


@router.get("/projects/{project_id}/beneficiaries", response_model=Page[BeneficiaryRead])
async def list_beneficiaries(project_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """项目受益户列表 — the project's beneficiaries.

    Every household that benefits from the project."""
    await projects.get_project(uow, principal, project_id)
    return await repo.beneficiaries(uow.session, project_id)


@router.post("/projects/{project_id}/dividends", status_code=201, response_model=DividendRead)
async def record_dividend(project_id: uuid.UUID, body: DividendIn, uow: UoW, principal: CurrentPrincipal, now: Now):
    """收益分配 — records a project's dividend to households.

    A payout of the project's returns (资产收益) to its beneficiaries."""
    return await commit(uow, beneficiaries.record_dividend(uow, principal, project_id, body, now))


@router.post("/projects/{project_id}/{action}", response_model=ProjectRead)
async def act(project_id: uuid.UUID, action: ProjectAction, uow: UoW, principal: CurrentPrincipal, now: Now,
              if_match: Annotated[int | None, Depends(optional_version)], body: TransitionIn | None = None):
    """项目流程操作 — moves a project one stage on.

    Actions: appraise (论证), post-notice (公示), list (入库), implement (实施), accept (验收),
    hand-over (资产移交, with ``assets``), or ``transition`` with ``to_stage``. One step at a time."""
    body = body or TransitionIn()
    if action == "transition" and body.to_stage:
        to_stage = body.to_stage
    elif action in ACTIONS:
        to_stage = ACTIONS[action]
    else:
        raise NotFound(msg("unknown action {action}; one of: {actions}, transition (with to_stage)",
                           action=repr(action.value), actions=", ".join(ACTIONS)))
    return await commit(uow, projects.transition(uow, principal, project_id, to_stage, body, now, if_match))
