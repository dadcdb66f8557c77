"""Cases: the office lists, one case with its history, and the workflow actions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal, area_prefix
from backstop_common.conditional import NOT_MODIFIED, conditional
from backstop_common.openapi import actions
from backstop_common.paging import Page, Paging
from backstop_common.problems import NotFound
from monitoring.api.deps import IfMatch
from monitoring.api.views import case_detail, case_read
from monitoring.domain.cases import act
from monitoring.domain.workflow import TRANSITIONS, actions_for
from monitoring.repository import case_queries
from monitoring.repository import cases as case_repo
from monitoring.schemas import ActionBody, CaseDetail, CaseRead
from monitoring.vocab import Stage

router = APIRouter(tags=["cases"])
CaseAction = actions("CaseAction", TRANSITIONS)


@router.get("/cases", response_model=Page[CaseRead])
async def list_cases(
    uow: UoW, principal: CurrentPrincipal, paging: Paging,
    household_id: uuid.UUID | None = None,
    area_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    stage: Stage | None = None,
    category: Annotated[str | None, Query(pattern=r"^(unstable_lifted|marginal|sudden_hardship)$")] = None,
    risk_type: Annotated[str | None, Query(pattern=r"^[0-9a-z]{2,10}$")] = None,
    overdue: bool | None = None,
    decision_overdue: Annotated[bool | None, Query(description="the 15-day limit from the first signal to "
                                                    "the county's decision has passed (still identifying)")] = None,
):
    """监测案件列表 — cases in the caller's area.

    Filter by household, area, stage, category, risk type, and whether a deadline or the 15-day decision limit has
    passed."""
    scope = principal.scope
    if area_code:
        principal.ensure_covers(area_code, "area")
        scope = area_prefix(area_code)
    now = uow.clock.now()
    flt = case_queries.CaseFilter(scope=scope, household_id=household_id, stage=stage, category=category,
                                  risk_type=risk_type, overdue=overdue,
                                  decision_overdue=decision_overdue)
    rows, total = await case_queries.page(uow.session, flt, now, paging.limit, paging.offset)
    return Page[CaseRead](items=[case_read(c, now) for c in rows], total=total)


@router.get("/cases/{case_id}", response_model=CaseDetail, responses=NOT_MODIFIED)
async def read_case(case_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal, request: Request):
    """案件详情 — one case with its history, signals, measures and visits.

    Also the actions the caller may take next. Answers an ETag; 304 on a current If-None-Match."""
    case = await case_repo.get(uow.session, case_id)
    if case is None or not principal.covers(case.village_code):
        raise NotFound("case not found")
    detail = await case_detail(uow.session, case, uow.clock.now())
    # ETag of what this caller sees; 304 when their If-None-Match is current (If-Match takes `version`)
    return conditional(request, detail.model_copy(update={"actions": actions_for(principal.role, Stage(case.stage))}))


@router.post("/cases/{case_id}/{action}", response_model=CaseDetail)
async def case_action(case_id: uuid.UUID, action: CaseAction, uow: UoW, principal: CurrentPrincipal, version: IfMatch,
                      response: Response, body: Annotated[ActionBody | None, Body()] = None):
    """案件流程操作 — one step of the identification procedure.

    verify, post-notice, review, confirm, reject, plan, visit, propose-elimination, object, eliminate, reopen."""
    now = uow.clock.now()
    case = await act(uow, principal, case_id, action.value, body or ActionBody(), now, version)
    await uow.commit()
    response.headers["ETag"] = f'"{case.version}"'
    detail = await case_detail(uow.session, case, now)
    return detail.model_copy(update={"actions": actions_for(principal.role, Stage(case.stage))})
