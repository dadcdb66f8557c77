"""Staff routes of supervision (thin): the 12317 desk, the handling units, statistics and the policy."""

import uuid
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlmodel import select

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal, Role
from backstop_common.concurrency import expected_version
from backstop_common.openapi import actions, refuses_roles
from backstop_common.paging import Page, Paging
from backstop_common.privacy import mask_phone
from backstop_common.problems import NotFound
from backstop_common.xlsx import XLSX_RESPONSES, xlsx_response
from monitoring.supervision import handling, reports, repository, stats
from monitoring.supervision.models import ReportAttachment, ReportStep
from monitoring.supervision.schemas import (CategoryOut, MonthlyReport, PolicyIn, PolicyOut, ReportActionIn,
                                            ReportDetail, ReportIn, ReportOut, ReportStats)

router = APIRouter(prefix="/supervision", tags=["supervision"])
READ_WHO = "the 12317 desk, township staff and auditors only (village cadres are the reported-on)"
Version = Annotated[int, Depends(expected_version)]
ReportAction = actions("ReportAction", handling.TRANSITIONS)
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
log = structlog.get_logger()


@router.get("/categories")
async def list_categories(uow: UoW, principal: CurrentPrincipal, kind: Annotated[
        str, Query(pattern="^(report|declaration)$")] = "report") -> list[CategoryOut]:
    """举报/申报类别 — the categories of 12317 reports or declarations.

    Every category with its Chinese label and handling unit."""
    return [CategoryOut.model_validate(c) for c in await repository.categories(uow.session, kind)]


@router.get("/policy")
async def get_policy(uow: UoW, principal: CurrentPrincipal,
                     area_code: Annotated[str, Query(pattern=r"^\d{12}$")]) -> PolicyOut:
    """监督政策 — the supervision settings of an area.

    Deadlines (working days) and daily limits in force for the area."""
    return PolicyOut.model_validate(await repository.policy_for(uow.session, area_code))


@router.put("/policy/{area_code}")
async def put_policy(area_code: Annotated[str, Path(pattern=r"^\d{12}$")], body: PolicyIn, uow: UoW,
                     principal: CurrentPrincipal) -> PolicyOut:
    """设置监督政策 — sets the supervision settings of an area.

    Deadlines and daily limits for the area (county admin)."""
    return PolicyOut.model_validate(await stats.set_policy(uow, principal, area_code, body))


@router.post("/reports", status_code=201)
async def take_report(body: ReportIn, request: Request, uow: UoW, principal: CurrentPrincipal) -> ReportOut:
    """受理12317举报 — the desk records a report.

    A report taken by the 12317 desk (phone, letter, visit) for an area in the caller's scope."""
    principal.ensure_role(*reports.DESK, Role.SYSTEM)
    principal.ensure_covers(body.area_code, "area")
    report = await reports.receive(uow, request.app.state.vault, body, channel=body.channel, principal=principal)
    await uow.commit()
    return ReportOut.model_validate(report)


@router.get("/reports", responses=refuses_roles(READ_WHO))
async def list_reports(uow: UoW, principal: CurrentPrincipal, paging: Paging, status: str | None = None,
                       category: str | None = None) -> Page[ReportOut]:
    """举报列表 — 12317 reports in the caller's area.

    Filter by status and category; phones never appear in the list."""
    principal.ensure_role(*reports.READERS)
    rows, total = await repository.list_reports(uow.session, principal.scope, status=status, category=category,
                                                limit=paging.limit, offset=paging.offset)
    return Page(items=[ReportOut.model_validate(r) for r in rows], total=total)


@router.get("/reports/{report_id}")
async def get_report(report_id: uuid.UUID, request: Request, uow: UoW, principal: CurrentPrincipal) -> ReportDetail:
    """举报详情 — one report with its steps and attachments.

    The reporter's phone is masked unless the caller may see it (a read of it is logged)."""
    report = await reports.get(uow, principal, report_id)
    steps = await uow.session.exec(select(ReportStep).where(ReportStep.report_id == report.id).order_by(ReportStep.at))
    files = await uow.session.exec(select(ReportAttachment.id, ReportAttachment.filename, ReportAttachment.content_type,
                                          ReportAttachment.size).where(ReportAttachment.report_id == report.id))
    phone = request.app.state.vault.open(report.phone_enc)
    if phone and reports.sees_phone(principal, report):
        log.info("supervision.identity_read", report_id=str(report.id), user=principal.subject)
    elif phone:
        phone = mask_phone(phone)
    return ReportDetail.model_validate({**report.model_dump(), "phone": phone,
                                        "steps": [s.model_dump() for s in steps.all()],
                                        "attachments": [dict(r._mapping) for r in files.all()]})


@router.get("/reports/{report_id}/attachments/{attachment_id}", response_class=Response,
            responses={200: {"content": {kind: {"schema": {"type": "string", "format": "binary"}}
                                         for kind in ("image/jpeg", "image/png", "image/webp")}}})
async def get_attachment(report_id: uuid.UUID, attachment_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """举报附件 — one attachment's bytes.

    A photo attached to the report (JPEG, PNG or WebP)."""
    report = await reports.get(uow, principal, report_id)
    found = await uow.session.get(ReportAttachment, attachment_id)
    if found is None or found.report_id != report.id:
        raise NotFound("attachment not found")
    return Response(found.content, media_type=found.content_type,
                    headers={"Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff"})


@router.post("/reports/{report_id}/{action}")
async def report_action(report_id: uuid.UUID, action: ReportAction, uow: UoW, principal: CurrentPrincipal,
                        version: Version, body: ReportActionIn | None = None) -> ReportOut:
    """举报办理操作 — one step of handling a report.

    accept or decline (the desk), extend or answer (the handling unit), callback (the desk), against the version
    last read (If-Match)."""
    report = await handling.act(uow, principal, report_id, action.value, body or ReportActionIn(), version)
    await uow.commit()
    return ReportOut.model_validate(report)


@router.get("/stats", responses=refuses_roles(READ_WHO))
async def report_stats(uow: UoW, principal: CurrentPrincipal, year: int | None = None) -> ReportStats:
    """举报统计 — reports by category, area and month.

    Counts of 12317 reports by category, area and month for the year."""
    principal.ensure_role(*reports.READERS)
    year = year or uow.clock.now().year
    return ReportStats.model_validate(await stats.by_category_area_month(uow, principal, year))


@router.get("/monthly-report", responses=refuses_roles(READ_WHO))
async def monthly_report(uow: UoW, principal: CurrentPrincipal, month: Month = None) -> MonthlyReport:
    """12317月报 — the month's reports and how they were handled.

    Received, accepted, closed and overdue reports of the month, by category."""
    principal.ensure_role(*reports.READERS)
    return MonthlyReport.model_validate(await stats.monthly(uow, principal, month))


@router.get("/monthly-report.xlsx", response_class=Response,
            responses=XLSX_RESPONSES | refuses_roles(READ_WHO))
async def monthly_report_xlsx(uow: UoW, principal: CurrentPrincipal, month: Month = None):
    """12317月报（Excel） — the monthly report as a workbook.

    The monthly report as an .xlsx workbook."""
    principal.ensure_role(*reports.READERS)
    data = await stats.monthly(uow, principal, month)
    return xlsx_response(stats.monthly_xlsx(data), f"12317-{data['month']}.xlsx")
