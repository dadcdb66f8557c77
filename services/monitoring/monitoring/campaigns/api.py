"""Routes (thin): parse, call the campaigns domain, commit, return. Mounted under /api/v1."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import func, text
from sqlmodel import select

from backstop_common.app import ReadModel, UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.concurrency import expected_version
from backstop_common.paging import Page, Paging
from backstop_common.xlsx import XLSX_RESPONSES, xlsx_response
from monitoring.campaigns import rectification, reports, repository, service, targets
from monitoring.campaigns.models import Campaign, CheckDefinition, ProblemStep
from monitoring.campaigns.schemas import (ActionIn, AnswerIn, AnswerOut, Board, CampaignIn, CampaignOut, CheckIn,
                                          CheckOut, ProblemDetail, ProblemOut, RunResult, SplitIn, TargetIn,
                                          TargetOut)
from monitoring.clock import clock

router = APIRouter(tags=["campaigns"])
Version = Annotated[int, Depends(expected_version)]


def _wake(request: Request) -> None:
    request.app.state.relay.wake()  # set-based outbox rows are not seen by the unit of work


@router.get("/checks")
async def list_checks(uow: UoW, principal: CurrentPrincipal) -> list[CheckOut]:
    rows = await uow.session.exec(select(CheckDefinition).order_by(CheckDefinition.code))
    return [CheckOut.model_validate(r) for r in rows.all()]


@router.post("/checks", status_code=201)
async def create_check(body: CheckIn, uow: UoW, principal: CurrentPrincipal) -> CheckOut:
    check = await service.create_check(uow, principal, body)
    await uow.commit()
    return CheckOut.model_validate(check)


@router.get("/campaigns")
async def list_campaigns(uow: UoW, principal: CurrentPrincipal, paging: Paging) -> Page[CampaignOut]:
    cond = text("(campaigns.area_code LIKE :s || '%' OR :a LIKE campaigns.scope || '%')").bindparams(
        s=principal.scope, a=principal.area_code)
    total = (await uow.session.exec(select(func.count()).select_from(Campaign).where(cond))).one()
    rows = await uow.session.exec(select(Campaign).where(cond).order_by(Campaign.created_at.desc())
                                  .offset(paging.offset).limit(paging.limit))
    return Page(items=[CampaignOut.model_validate(c) for c in rows.all()], total=total)


@router.post("/campaigns", status_code=201)
async def create_campaign(body: CampaignIn, uow: UoW, principal: CurrentPrincipal) -> CampaignOut:
    campaign = await service.create_campaign(uow, principal, body)
    await uow.commit()
    return CampaignOut.model_validate(campaign)


@router.get("/campaigns/{campaign_id}")
async def get_campaign(campaign_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal) -> CampaignOut:
    return CampaignOut.model_validate(await service.get_campaign(uow, principal, campaign_id))


@router.post("/campaigns/{campaign_id}/run")
async def run_campaign(campaign_id: uuid.UUID, request: Request, uow: UoW, principal: CurrentPrincipal) -> RunResult:
    result = await service.run_campaign(uow, principal, campaign_id)
    await uow.commit()
    _wake(request)
    return result


@router.post("/campaigns/{campaign_id}/answers", status_code=201)
async def answer(campaign_id: uuid.UUID, body: AnswerIn, uow: UoW, principal: CurrentPrincipal,
                 fresh: ReadModel) -> AnswerOut:
    answer_row, problem = await service.answer_question(uow, principal, campaign_id, body, fresh)
    await uow.commit()
    return AnswerOut.model_validate(answer_row).model_copy(update={"problem_id": problem.id if problem else None})


@router.get("/problems")
async def list_problems(uow: UoW, principal: CurrentPrincipal, paging: Paging, campaign_id: uuid.UUID | None = None,
                        unit: str | None = None, status: str | None = None) -> Page[ProblemOut]:
    rows, total = await repository.problem_rows(uow.session, principal.scope, campaign_id=campaign_id, unit=unit,
                                                status=status, limit=paging.limit, offset=paging.offset)
    return Page(items=[ProblemOut.model_validate(r._mapping) for r in rows], total=total)


@router.get("/problems/{problem_id}")
async def get_problem(problem_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal) -> ProblemDetail:
    problem = await rectification.get_problem(uow, principal, problem_id)
    steps = await uow.session.exec(select(ProblemStep).where(ProblemStep.problem_id == problem.id)
                                   .order_by(ProblemStep.at))
    check = await uow.session.get(CheckDefinition, problem.check_code)
    return ProblemDetail.model_validate({**problem.model_dump(), "title": check.title if check else None,
                                         "steps": [s.model_dump() for s in steps.all()]})


@router.post("/problems/{problem_id}/{action}")
async def problem_action(problem_id: uuid.UUID, action: str, uow: UoW, principal: CurrentPrincipal,
                         version: Version, body: ActionIn | None = None) -> ProblemOut:
    problem = await rectification.act(uow, principal, problem_id, action, body or ActionIn(), version)
    await uow.commit()
    return ProblemOut.model_validate(problem)


@router.post("/targets", status_code=201)
async def create_target(body: TargetIn, uow: UoW, principal: CurrentPrincipal) -> TargetOut:
    target = await targets.create_target(uow, principal, body)
    await uow.commit()
    return TargetOut.model_validate(target)


@router.post("/targets/{target_id}/split")
async def split_target(target_id: uuid.UUID, body: SplitIn, uow: UoW, principal: CurrentPrincipal) -> list[TargetOut]:
    parts = await targets.split(uow, principal, target_id, body)
    await uow.commit()
    return [TargetOut.model_validate(p) for p in parts]


def _year(year: int | None) -> int:
    return year or clock.now().year


@router.get("/boards/{area_code}")
async def get_board(area_code: str, uow: UoW, principal: CurrentPrincipal, year: int | None = None) -> Board:
    return await targets.board(uow, principal, area_code, _year(year))


@router.get("/reports/problems")
async def report_problems(uow: UoW, principal: CurrentPrincipal, campaign_id: uuid.UUID | None = None) -> dict:
    return await reports.problem_report(uow, principal, campaign_id)


@router.get("/reports/problems.xlsx", responses=XLSX_RESPONSES)
async def report_problems_xlsx(uow: UoW, principal: CurrentPrincipal, campaign_id: uuid.UUID | None = None):
    return xlsx_response(await reports.problem_xlsx(uow, principal, campaign_id), "problems.xlsx")


@router.get("/reports/targets")
async def report_targets(uow: UoW, principal: CurrentPrincipal,
                         area_code: Annotated[str, Query(pattern=r"^\d{12}$")], year: int | None = None) -> Board:
    return await targets.board(uow, principal, area_code, _year(year))


@router.get("/reports/targets.xlsx", responses=XLSX_RESPONSES)
async def report_targets_xlsx(uow: UoW, principal: CurrentPrincipal,
                              area_code: Annotated[str, Query(pattern=r"^\d{12}$")], year: int | None = None):
    return xlsx_response(await reports.target_xlsx(uow, principal, area_code, _year(year)), "targets.xlsx")
