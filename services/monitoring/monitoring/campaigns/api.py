"""Routes (thin): parse, call the campaigns domain, commit, return. Mounted under /api/v1."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import func, text
from sqlmodel import select

from backstop_common.app import ReadModel, UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.concurrency import expected_version
from backstop_common.openapi import actions, conflicts
from backstop_common.paging import Page, Paging
from backstop_common.sync import Changes, changes, since
from backstop_common.uow import UnitOfWork
from backstop_common.xlsx import XLSX_RESPONSES, xlsx_response
from monitoring.campaigns import rectification, reports, repository, service, targets
from monitoring.campaigns.models import Campaign, CheckDefinition, ProblemStep
from monitoring.campaigns.schemas import (ActionIn, AnswerIn, AnswerOut, Board, CampaignIn, CampaignOut, CheckIn,
                                          CheckOut, ProblemDetail, ProblemOut, ProblemReport, RunResult, SplitIn, TargetIn,
                                          TargetOut)

router = APIRouter(tags=["campaigns"])
Version = Annotated[int, Depends(expected_version)]
ProblemAction = actions("ProblemAction", rectification.TRANSITIONS)


def _wake(request: Request) -> None:
    request.app.state.relay.wake()  # set-based outbox rows are not seen by the unit of work


@router.get("/checks")
async def list_checks(uow: UoW, principal: CurrentPrincipal) -> list[CheckOut]:
    """排查项目 — the checks a campaign can ask.

    Every check definition (its code, question and the problem an answer raises)."""
    rows = await uow.session.exec(select(CheckDefinition).order_by(CheckDefinition.code))
    return [CheckOut.model_validate(r) for r in rows.all()]


@router.post("/checks", status_code=201,
             responses=conflicts("a check with that code exists"))
async def create_check(body: CheckIn, uow: UoW, principal: CurrentPrincipal) -> CheckOut:
    """新增排查项目 — defines a check.

    A new question campaigns can ask, with the answer that counts as a problem."""
    check = await service.create_check(uow, principal, body)
    await uow.commit()
    return CheckOut.model_validate(check)


@router.get("/campaigns")
async def list_campaigns(uow: UoW, principal: CurrentPrincipal, paging: Paging) -> Page[CampaignOut]:
    """排查活动列表 — campaigns of the caller's area.

    Campaigns (集中排查) run in or above the caller's area, newest first."""
    cond = text("(campaigns.area_code LIKE :s || '%' OR :a LIKE campaigns.scope || '%')").bindparams(
        s=principal.scope, a=principal.area_code)
    total = (await uow.session.exec(select(func.count()).select_from(Campaign).where(cond))).one()
    rows = await uow.session.exec(select(Campaign).where(cond).order_by(Campaign.created_at.desc())
                                  .offset(paging.offset).limit(paging.limit))
    return Page(items=[CampaignOut.model_validate(c) for c in rows.all()], total=total)


@router.post("/campaigns", status_code=201)
async def create_campaign(body: CampaignIn, uow: UoW, principal: CurrentPrincipal) -> CampaignOut:
    """发起排查活动 — starts a campaign.

    A campaign (集中排查) over an area with its checks and deadline."""
    campaign = await service.create_campaign(uow, principal, body)
    await uow.commit()
    return CampaignOut.model_validate(campaign)


@router.get("/campaigns/{campaign_id}")
async def get_campaign(campaign_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal) -> CampaignOut:
    """排查活动详情 — one campaign.

    The campaign with its checks, scope and progress."""
    return CampaignOut.model_validate(await service.get_campaign(uow, principal, campaign_id))


@router.post("/campaigns/{campaign_id}/run")
async def run_campaign(campaign_id: uuid.UUID, request: Request, uow: UoW, principal: CurrentPrincipal) -> RunResult:
    """执行排查 — puts the checks to every household in scope.

    Creates the questions for every household of the campaign's area and notifies the villages."""
    result = await service.run_campaign(uow, principal, campaign_id)
    await uow.commit()
    _wake(request)
    return result


@router.post("/campaigns/{campaign_id}/answers", status_code=201)
async def answer(campaign_id: uuid.UUID, body: AnswerIn, uow: UoW, principal: CurrentPrincipal,
                 fresh: ReadModel) -> AnswerOut:
    """填报排查结果 — answers a check for a household.

    A village's answer to one check for one household; an answer that counts as a problem opens one (问题整改)."""
    answer_row, problem = await service.answer_question(uow, principal, campaign_id, body, fresh)
    await uow.commit()
    return AnswerOut.model_validate(answer_row).model_copy(update={"problem_id": problem.id if problem else None})


@router.get("/problems")
async def list_problems(uow: UoW, principal: CurrentPrincipal, paging: Paging, campaign_id: uuid.UUID | None = None,
                        unit: str | None = None, status: str | None = None) -> Page[ProblemOut]:
    """问题清单 — problems found by campaigns.

    Problems (问题) in the caller's area, by campaign, responsible unit or status."""
    rows, total = await repository.problem_rows(uow.session, principal.scope, campaign_id=campaign_id, unit=unit,
                                                status=status, limit=paging.limit, offset=paging.offset)
    return Page(items=[ProblemOut.model_validate(r._mapping) for r in rows], total=total)


@router.get("/problems/{problem_id}")
async def get_problem(problem_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal) -> ProblemDetail:
    """问题详情 — one problem with its rectification steps.

    The problem, the check that raised it and every step of its rectification (整改)."""
    problem = await rectification.get_problem(uow, principal, problem_id)
    steps = await uow.session.exec(select(ProblemStep).where(ProblemStep.problem_id == problem.id)
                                   .order_by(ProblemStep.at))
    check = await uow.session.get(CheckDefinition, problem.check_code)
    return ProblemDetail.model_validate({**problem.model_dump(), "title": check.title if check else None,
                                         "steps": [s.model_dump() for s in steps.all()],
                                         "actions": rectification.actions_for(principal, problem)})


@router.post("/problems/{problem_id}/{action}")
async def problem_action(problem_id: uuid.UUID, action: ProblemAction, uow: UoW, principal: CurrentPrincipal,
                         version: Version, body: ActionIn | None = None) -> ProblemOut:
    """问题整改操作 — one step of a problem's rectification.

    start, rectify, defer, resume (the responsible unit), verify or reject (the level above), against the version
    last read (If-Match)."""
    problem = await rectification.act(uow, principal, problem_id, action.value, body or ActionIn(), version)
    await uow.commit()
    return ProblemOut.model_validate(problem)


@router.post("/targets", status_code=201,
             responses=conflicts("a target for that year, area and measure exists"))
async def create_target(body: TargetIn, uow: UoW, principal: CurrentPrincipal) -> TargetOut:
    """下达目标任务 — sets a target for an area.

    A yearly target (目标任务) for an area, e.g. households to visit."""
    target = await targets.create_target(uow, principal, body)
    await uow.commit()
    return TargetOut.model_validate(target)


@router.post("/targets/{target_id}/split")
async def split_target(target_id: uuid.UUID, body: SplitIn, uow: UoW, principal: CurrentPrincipal) -> list[TargetOut]:
    """分解目标任务 — splits a target among the areas below.

    Divides a target among the townships or villages under its area."""
    parts = await targets.split(uow, principal, target_id, body)
    await uow.commit()
    return [TargetOut.model_validate(p) for p in parts]


def _year(year: int | None, uow: UnitOfWork) -> int:
    return year or uow.clock.now().year


@router.get("/boards/{area_code}")
async def get_board(area_code: str, uow: UoW, principal: CurrentPrincipal, year: int | None = None) -> Board:
    """目标进度看板 — an area's targets and progress.

    Targets of the area for the year with what has been done against each."""
    return await targets.board(uow, principal, area_code, _year(year, uow))


@router.get("/reports/problems")
async def report_problems(uow: UoW, principal: CurrentPrincipal,
                          campaign_id: uuid.UUID | None = None) -> ProblemReport:
    """问题整改报表 — problems by check, unit and status.

    Counts of problems found and rectified, by check, responsible unit and status, optionally for one campaign."""
    return ProblemReport.model_validate(await reports.problem_report(uow, principal, campaign_id))


@router.get("/reports/problems.xlsx", response_class=Response, responses=XLSX_RESPONSES)
async def report_problems_xlsx(uow: UoW, principal: CurrentPrincipal, campaign_id: uuid.UUID | None = None):
    """问题整改报表（Excel） — the problem report as a workbook.

    The problem report as an .xlsx workbook."""
    return xlsx_response(await reports.problem_xlsx(uow, principal, campaign_id), "problems.xlsx")


@router.get("/reports/targets")
async def report_targets(uow: UoW, principal: CurrentPrincipal,
                         area_code: Annotated[str, Query(pattern=r"^\d{12}$")], year: int | None = None) -> Board:
    """目标任务报表 — an area's targets and progress.

    The same board as /boards/{area_code}, for a report."""
    return await targets.board(uow, principal, area_code, _year(year, uow))


@router.get("/reports/targets.xlsx", response_class=Response, responses=XLSX_RESPONSES)
async def report_targets_xlsx(uow: UoW, principal: CurrentPrincipal,
                              area_code: Annotated[str, Query(pattern=r"^\d{12}$")], year: int | None = None):
    """目标任务报表（Excel） — the target report as a workbook.

    The target report as an .xlsx workbook."""
    return xlsx_response(await reports.target_xlsx(uow, principal, area_code, _year(year, uow)), "targets.xlsx")


ProblemsSince = since("problems", tombstones=True)


@router.get("/sync/problems", tags=["sync"])
async def problems(uow: UoW, principal: CurrentPrincipal, given: ProblemsSince) -> Changes[ProblemOut]:
    """同步问题清单 — campaign problems changed since the last sync.

    The campaign problems (问题清单) of your area changed since ``changed_since`` — status moves, rectification —
    with tombstones for those that left it (docs/clients.md, 离线同步)."""
    rows, removed = await repository.problem_changes(uow.session, principal.scope, given)
    return changes(given, [(key, ProblemOut.model_validate(row)) for key, row in rows], removed)
