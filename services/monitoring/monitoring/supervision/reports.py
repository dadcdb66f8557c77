"""12317 reports (举报): intake from the hotline, the web form or anyone, who may read one and its reporter's
phone, and the event and step every change writes (the steps after intake: ``handling``)."""

import uuid

from backstop_common.auth import Principal, Role
from backstop_common.i18n import msg
from backstop_common.problems import NotFound, Unprocessable
from backstop_common.uow import UnitOfWork
from monitoring.models import Case, HouseholdFacts
from monitoring.supervision import attachments, repository
from monitoring.supervision.events import TOPIC, ReportEvent
from monitoring.supervision.models import Report, ReportStep
from monitoring.supervision.routing import COUNTY_ROLES, handles, handling_area
from monitoring.supervision.schemas import PublicReportIn, ReportIn
from monitoring.supervision.vault import Vault
from monitoring.supervision.workdays import add_working_days

DESK = (Role.HOTLINE_OPERATOR, *COUNTY_ROLES)  # the 12317 desk: intake, acceptance, call-back
READERS = (*DESK, Role.TOWNSHIP_STAFF, Role.AUDITOR)  # village cadres are the reported-on, not readers


def publish(uow: UnitOfWork, name: str, report: Report, reason: str | None = None,
            escalate_to: str | None = None) -> None:
    data = ReportEvent(report_id=report.id, channel=report.channel, category=report.category,
                       area_code=report.area_code, handling_area=report.handling_area,
                       conflict_of_interest=report.conflict_of_interest, status=report.status, step=report.step,
                       due_at=report.due_at, reason=reason, escalate_to_area=escalate_to)
    uow.publish(TOPIC, name, subject=report.id, area_code=report.area_code, data=data)


def record_step(uow: UnitOfWork, report: Report, action: str, before: str | None, principal: Principal | None,
                note: str | None) -> None:
    uow.session.add(ReportStep(report_id=report.id, action=action, from_status=before, to_status=report.status,
                               actor_user_id=principal.subject if principal else None,
                               actor_role=str(principal.role) if principal else None, note=note, at=uow.clock.now()))


async def _check_links(uow: UnitOfWork, principal: Principal, body: ReportIn) -> None:
    if body.household_id is not None:
        facts = await uow.session.get(HouseholdFacts, body.household_id)
        if facts is None or not principal.covers(facts.village_code):
            raise Unprocessable("the linked household does not exist", household_id=str(body.household_id))
    if body.case_id is not None:
        case = await uow.session.get(Case, body.case_id)
        if case is None or not principal.covers(case.village_code):
            raise Unprocessable("the linked case does not exist", case_id=str(body.case_id))


async def receive(uow: UnitOfWork, vault: Vault, body: PublicReportIn, *, channel: str,
                  principal: Principal | None = None, source_key: str | None = None) -> Report:
    """Take a report in (hotline, web form or anonymous public) and start the acceptance clock."""
    category = await repository.category(uow.session, "report", body.category)
    if category is None:
        known = [c.code for c in await repository.categories(uow.session, "report")]
        raise Unprocessable(msg("unknown report category {category}", category=body.category), known_categories=known)
    if isinstance(body, ReportIn) and principal is not None:
        await _check_links(uow, principal, body)
    now = uow.clock.now()
    policy = await repository.policy_for(uow.session, body.area_code)
    area, conflict = handling_area(body.area_code, category.handling_level, body.accused_level)
    links = body.model_dump(include={"household_id", "case_id", "project_id", "payment_id"}) \
        if isinstance(body, ReportIn) else {}
    report = Report(channel=channel, category=body.category, area_code=body.area_code, handling_area=area,
                    conflict_of_interest=conflict, accused_level=body.accused_level, text=body.text,
                    phone_enc=vault.seal(body.phone) if body.phone else None, source_key=source_key,
                    status="received", step="accept", due_at=add_working_days(now, policy.accept_working_days),
                    received_at=now, received_by=principal.subject if principal else None, updated_at=now, **links)
    uow.session.add(report)
    for attachment in attachments.build(report.id, body.attachments):
        uow.session.add(attachment)
    record_step(uow, report, "receive", None, principal, channel)
    publish(uow, "report.received", report, reason="conflict_of_interest" if conflict else None)
    await uow.session.flush()
    return report


def may_read(principal: Principal, report: Report) -> bool:
    return principal.role in READERS and (principal.covers(report.area_code) or principal.covers(report.handling_area))


def sees_phone(principal: Principal, report: Report) -> bool:
    """The handling unit and the desk that calls back; nobody else (the auditor sees it masked)."""
    return principal.role in DESK or handles(principal, report.handling_area)


async def get(uow: UnitOfWork, principal: Principal, report_id: uuid.UUID, *, lock: bool = False) -> Report:
    """``lock`` for a change: the report's events are written under its row's lock (the overdue sweep's too)."""
    report = await uow.session.get(Report, report_id, with_for_update=lock or None)
    if report is None or not may_read(principal, report):
        raise NotFound("report not found")
    return report
