"""A 12317 report after intake: accepted (assigned to the handling unit) or declined within the policy's
working days, handled and answered (extendable once, with a reason), called back (回访) and closed when the
reporter is satisfied, reopened once when not. Wrong state 409, wrong person 403."""

import uuid
from dataclasses import dataclass

from backstop_common.auth import Principal, Role
from backstop_common.concurrency import check_version
from backstop_common.i18n import msg
from backstop_common.problems import Conflict, Forbidden, NotFound, Unprocessable
from backstop_common.uow import UnitOfWork
from monitoring.supervision import repository
from monitoring.supervision.models import Report
from monitoring.supervision.reports import get, publish, record_step
from monitoring.supervision.routing import COUNTY_ROLES, handles
from monitoring.supervision.schemas import ReportActionIn
from monitoring.supervision.workdays import add_working_days

MAX_REOPENS = 1


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    who: str  # desk / handler
    needs_note: bool


TRANSITIONS = {
    "accept": Transition(frozenset({"received"}), "desk", False),
    "decline": Transition(frozenset({"received"}), "desk", True),
    "extend": Transition(frozenset({"assigned"}), "handler", True),
    "answer": Transition(frozenset({"assigned"}), "handler", True),
    "callback": Transition(frozenset({"answered"}), "desk", False),
}



def _ensure_allowed(principal: Principal, report: Report, t: Transition) -> None:
    if principal.role in COUNTY_ROLES and principal.covers(report.handling_area):
        return
    if t.who == "desk" and principal.role == Role.HOTLINE_OPERATOR:
        return
    if t.who == "handler" and handles(principal, report.handling_area):
        return
    raise Forbidden("only the 12317 desk or the handling unit may do this step", handling_area=report.handling_area)


async def act(uow: UnitOfWork, principal: Principal, report_id: uuid.UUID, action: str, body: ReportActionIn,
              version: int) -> Report:
    t = TRANSITIONS.get(action)
    if t is None:
        raise NotFound(msg("unknown action {action}", action=repr(action)), actions=sorted(TRANSITIONS))
    report = await get(uow, principal, report_id, lock=True)
    _ensure_allowed(principal, report, t)
    check_version(report.version, version, "report")
    if report.status not in t.sources:
        raise Conflict(msg("the report is {status}; {action} is not possible", status=report.status, action=action),
                       current_status=report.status)
    if t.needs_note and not body.note:
        raise Unprocessable(msg("{action} needs a note", action=action))
    before = report.status
    name, reason = await STEPS[action](uow, report, body)
    report.version, report.updated_at = report.version + 1, uow.clock.now()
    uow.session.add(report)
    record_step(uow, report, action, before, principal, body.note)
    publish(uow, name, report, reason=reason)
    await uow.session.flush()
    return report


async def _start_handling(uow: UnitOfWork, report: Report) -> None:
    policy = await repository.policy_for(uow.session, report.area_code)
    report.status, report.step = "assigned", "handle"
    report.due_at = add_working_days(uow.clock.now(), policy.handle_working_days)


async def _accept(uow, report, body):
    report.accepted_at = uow.clock.now()
    await _start_handling(uow, report)
    return "report.assigned", "accepted"


async def _decline(uow, report, body):
    report.status, report.step, report.due_at = "declined", "none", None
    report.decline_reason, report.closed_at = body.note, uow.clock.now()
    return "report.closed", "declined"


async def _extend(uow, report, body):
    if report.extended:
        raise Conflict("the handling deadline can be extended only once")
    policy = await repository.policy_for(uow.session, report.area_code)
    report.extended, report.extension_reason = True, body.note
    report.due_at = add_working_days(report.due_at or uow.clock.now(), policy.extension_working_days)
    return "report.assigned", "extended"


async def _answer(uow, report, body):
    report.status, report.step, report.due_at = "answered", "callback", None
    report.answer, report.answered_at = body.note, uow.clock.now()
    return "report.answered", None


async def _callback(uow, report, body):
    if body.satisfied is None:
        raise Unprocessable("a call-back records whether the reporter is satisfied (satisfied)")
    report.satisfaction = "satisfied" if body.satisfied else "unsatisfied"
    if body.satisfied or report.reopened >= MAX_REOPENS:
        report.status, report.step, report.due_at, report.closed_at = "closed", "none", None, uow.clock.now()
        return "report.closed", report.satisfaction
    report.reopened += 1
    await _start_handling(uow, report)
    return "report.assigned", "reopened"


STEPS = {"accept": _accept, "decline": _decline, "extend": _extend, "answer": _answer, "callback": _callback}
