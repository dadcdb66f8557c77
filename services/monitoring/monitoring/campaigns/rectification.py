"""Rectification (整改) as a state machine, with who/when/why on every step:

opened → in_progress → rectified (what was done, evidence) → verified (验收, by the level above);
opened/in_progress → deferred (cannot be fixed now: reason put on file, 备案) → in_progress (resume);
rectified → in_progress (reject: the level above refuses the rectification, with a reason).
A data check closes (``closed``) what the data shows fixed. Wrong state → 409, wrong person → 403.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from backstop_common.auth import Principal, Role, area_prefix
from backstop_common.concurrency import check_version
from backstop_common.i18n import msg, term
from backstop_common.problems import Conflict, Forbidden, NotFound, Unprocessable
from backstop_common.uow import UnitOfWork
from monitoring.campaigns import repository
from monitoring.campaigns.models import CheckDefinition, Problem
from monitoring.campaigns.publishing import publish_problem, publish_problems, record_step
from monitoring.campaigns.schemas import ActionIn


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    who: str  # responsible / above
    event: str
    needs_note: bool = False


T = Transition
TRANSITIONS: dict[str, Transition] = {
    "start": T(frozenset({"opened"}), "in_progress", "responsible", "problem.started"),
    "rectify": T(frozenset({"opened", "in_progress"}), "rectified", "responsible", "problem.rectified"),
    "defer": T(frozenset({"opened", "in_progress"}), "deferred", "responsible", "problem.deferred", True),
    "resume": T(frozenset({"deferred"}), "in_progress", "responsible", "problem.started"),
    "verify": T(frozenset({"rectified"}), "verified", "above", "problem.verified"),
    "reject": T(frozenset({"rectified"}), "in_progress", "above", "problem.rejected", True),
}
COUNTY = (Role.COUNTY_ADMIN, Role.COUNTY_STAFF)


def may_act_for_unit(principal: Principal, problem: Problem) -> bool:
    """Only the responsible unit (its department staff, the village's cadres for ``village``, the
    township office for ``poverty_office``) or county staff rectify."""
    if principal.role in COUNTY:
        return True
    unit = problem.responsible_unit
    return ((principal.role == Role.DEPARTMENT and principal.department == unit)
            or (unit == "village" and principal.role == Role.VILLAGE_CADRE)
            or (unit == "poverty_office" and principal.role == Role.TOWNSHIP_STAFF))


def ensure_allowed(principal: Principal, problem: Problem, t: Transition) -> None:
    if t.who == "responsible":
        if not may_act_for_unit(principal, problem):
            raise Forbidden(msg("only the responsible unit ({unit}) or county staff may do this",
                                unit=term("unit", problem.responsible_unit)), responsible_unit=problem.responsible_unit)
        return
    principal.ensure_role(Role.COUNTY_ADMIN, Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF)
    if len(principal.scope) >= len(area_prefix(problem.village_code)):
        raise Forbidden("verification is done by the level above the problem's area")
    if principal.subject == problem.rectified_by:
        raise Forbidden("whoever rectified a problem may not verify it")


def actions_for(principal: Principal, problem: Problem) -> list[str]:
    """The actions this caller may take on the problem now (a client's forms; the table stays here)."""
    allowed = []
    for action, t in TRANSITIONS.items():
        if problem.status not in t.sources:
            continue
        try:
            ensure_allowed(principal, problem, t)
        except Forbidden:
            continue
        allowed.append(action)
    return allowed


async def get_problem(uow: UnitOfWork, principal: Principal, problem_id: uuid.UUID, *,
                      lock: bool = False) -> Problem:
    """``lock`` for a change: the problem's events are written under its row's lock (the sweep's, a run's too)."""
    problem = await uow.session.get(Problem, problem_id, with_for_update=lock or None)
    if problem is None or not principal.covers(problem.village_code):
        raise NotFound("problem not found")
    return problem


async def act(uow: UnitOfWork, principal: Principal, problem_id: uuid.UUID, action: str, body: ActionIn,
              version: int) -> Problem:
    t = TRANSITIONS.get(action)
    if t is None:
        raise NotFound(msg("unknown action {action}", action=repr(action)), actions=sorted(TRANSITIONS))
    problem = await get_problem(uow, principal, problem_id, lock=True)
    ensure_allowed(principal, problem, t)
    check_version(problem.version, version, "problem")
    if problem.status not in t.sources:
        raise Conflict(msg("cannot {action} a problem that is {status}", action=term("problem_action", action),
                           status=term("problem_status", problem.status)), current_status=problem.status)
    if t.needs_note and not (body.note or "").strip():
        raise Unprocessable(msg("{action} needs a reason (note)", action=term("problem_action", action)),
                            errors=[{"loc": ["body", "note"], "msg": msg("required")}])
    if action == "rectify" and not (body.measures_taken or "").strip():
        raise Unprocessable("rectify needs what was done (measures_taken)",
                            errors=[{"loc": ["body", "measures_taken"], "msg": msg("required")}])
    now, before = uow.clock.now(), problem.status
    problem.status, problem.version, problem.updated_at = t.target, problem.version + 1, now
    if action == "rectify":
        problem.rectified_at, problem.rectified_by = now, principal.subject
        problem.measures_taken, problem.evidence = body.measures_taken, list(body.evidence)
    elif action == "verify":
        problem.verified_at, problem.verified_by = now, principal.subject
    elif action == "defer":
        problem.deferred_reason = body.note
    uow.session.add(problem)
    record_step(uow, problem, action, before, principal, body.note or body.measures_taken,
                evidence=list(body.evidence))
    check = await uow.session.get(CheckDefinition, problem.check_code)
    publish_problem(uow, t.event, problem, principal, check.title if check else None,
                    body.note or body.measures_taken)
    await uow.session.flush()
    return problem


async def sweep_overdue(uow: UnitOfWork, now: datetime) -> int:
    """A job step: ``problem.overdue`` once per problem and deadline (a moved deadline may fire again)."""
    due = await repository.overdue_problems(uow.session, now)
    await publish_problems(uow, "problem.overdue", due, None)
    return len(due)
