"""Staff routes of supervision (thin): the 12317 desk, the handling units, statistics and the policy."""

import uuid
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlmodel import select

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal, Role
from backstop_common.concurrency import expected_version
from backstop_common.paging import Page, Paging
from backstop_common.privacy import mask_phone
from backstop_common.problems import NotFound
from backstop_common.xlsx import XLSX_RESPONSES, xlsx_response
from monitoring.clock import clock
from monitoring.supervision import handling, reports, repository, stats
from monitoring.supervision.models import ReportAttachment, ReportStep
from monitoring.supervision.schemas import (CategoryOut, PolicyIn, PolicyOut, ReportActionIn, ReportDetail, ReportIn,
                                            ReportOut)

router = APIRouter(prefix="/supervision", tags=["supervision"])
Version = Annotated[int, Depends(expected_version)]
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
log = structlog.get_logger()


@router.get("/categories")
async def list_categories(uow: UoW, principal: CurrentPrincipal, kind: Annotated[
        str, Query(pattern="^(report|declaration)$")] = "report") -> list[CategoryOut]:
    return [CategoryOut.model_validate(c) for c in await repository.categories(uow.session, kind)]


@router.get("/policy")
async def get_policy(uow: UoW, principal: CurrentPrincipal,
                     area_code: Annotated[str, Query(pattern=r"^\d{12}$")]) -> PolicyOut:
    return PolicyOut.model_validate(await repository.policy_for(uow.session, area_code))


@router.put("/policy/{area_code}")
async def put_policy(area_code: Annotated[str, Path(pattern=r"^\d{12}$")], body: PolicyIn, uow: UoW,
                     principal: CurrentPrincipal) -> PolicyOut:
    return PolicyOut.model_validate(await stats.set_policy(uow, principal, area_code, body))


@router.post("/reports", status_code=201)
async def take_report(body: ReportIn, request: Request, uow: UoW, principal: CurrentPrincipal) -> ReportOut:
    principal.ensure_role(*reports.DESK, Role.SYSTEM)
    principal.ensure_covers(body.area_code, "area")
    report = await reports.receive(uow, request.app.state.vault, body, channel=body.channel, principal=principal)
    await uow.commit()
    return ReportOut.model_validate(report)


@router.get("/reports")
async def list_reports(uow: UoW, principal: CurrentPrincipal, paging: Paging, status: str | None = None,
                       category: str | None = None) -> Page[ReportOut]:
    principal.ensure_role(*reports.READERS)
    rows, total = await repository.list_reports(uow.session, principal.scope, status=status, category=category,
                                                limit=paging.limit, offset=paging.offset)
    return Page(items=[ReportOut.model_validate(r) for r in rows], total=total)


@router.get("/reports/{report_id}")
async def get_report(report_id: uuid.UUID, request: Request, uow: UoW, principal: CurrentPrincipal) -> ReportDetail:
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
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}})
async def get_attachment(report_id: uuid.UUID, attachment_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    report = await reports.get(uow, principal, report_id)
    found = await uow.session.get(ReportAttachment, attachment_id)
    if found is None or found.report_id != report.id:
        raise NotFound("附件不存在")
    return Response(found.content, media_type=found.content_type,
                    headers={"Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff"})


@router.post("/reports/{report_id}/{action}")
async def report_action(report_id: uuid.UUID, action: str, uow: UoW, principal: CurrentPrincipal, version: Version,
                        body: ReportActionIn | None = None) -> ReportOut:
    report = await handling.act(uow, principal, report_id, action, body or ReportActionIn(), version)
    await uow.commit()
    return ReportOut.model_validate(report)


@router.get("/stats")
async def report_stats(uow: UoW, principal: CurrentPrincipal, year: int | None = None) -> dict:
    principal.ensure_role(*reports.READERS)
    return await stats.by_category_area_month(uow, principal, year or clock.now().year)


@router.get("/monthly-report")
async def monthly_report(uow: UoW, principal: CurrentPrincipal, month: Month = None) -> dict:
    principal.ensure_role(*reports.READERS)
    return await stats.monthly(uow, principal, month)


@router.get("/monthly-report.xlsx", responses=XLSX_RESPONSES)
async def monthly_report_xlsx(uow: UoW, principal: CurrentPrincipal, month: Month = None):
    principal.ensure_role(*reports.READERS)
    data = await stats.monthly(uow, principal, month)
    return xlsx_response(stats.monthly_xlsx(data), f"12317-{data['month']}.xlsx")
