"""What each workflow action does to a case besides moving its stage. Each returns the event to
publish and its fields; refusals raise problems and leave the case untouched."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backstop_common.auth import Principal
from backstop_common.i18n import msg, when
from backstop_common.problems import Conflict, Unprocessable
from backstop_common.uow import UnitOfWork
from monitoring.domain.dates import add_days, start_of
from monitoring.domain.elimination import unmet_conditions
from monitoring.domain.offline import visit_day
from monitoring.domain.rules import gaps
from monitoring.domain.workflow import STEP_DUE
from monitoring.models import Case, HouseholdFacts, Measure, Policy, Visit
from monitoring.repository import cases as case_repo
from monitoring.vocab import Category, Stage

MEASURE_TYPES = frozenset({"industry", "employment", "education", "health", "housing", "dibao", "finance", "other"})


@dataclass
class Ctx:
    uow: UnitOfWork
    case: Case
    body: Any  # schemas.ActionBody
    principal: Principal
    household: HouseholdFacts | None
    policy: Policy
    now: datetime
    to: Stage


def _identify_next(ctx: Ctx, days: int) -> dict:
    ctx.case.due_step, ctx.case.due_at = STEP_DUE.get(ctx.to), add_days(ctx.now, days)
    return {"stage": ctx.to, "note": ctx.body.note, "due_at": ctx.case.due_at}


async def verify(ctx: Ctx) -> tuple[str, dict]:
    return "case.verified", _identify_next(ctx, ctx.policy.post_notice_days)


async def post_notice(ctx: Ctx) -> tuple[str, dict]:
    ctx.case.notice_ends_at = add_days(ctx.now, ctx.policy.notice_days)
    ctx.case.due_step, ctx.case.due_at = "review", add_days(ctx.case.notice_ends_at, ctx.policy.review_days)
    return "case.notice_posted", {"stage": ctx.to, "note": ctx.body.note, "due_at": ctx.case.due_at}


async def review(ctx: Ctx) -> tuple[str, dict]:
    if ctx.case.notice_ends_at and ctx.now < ctx.case.notice_ends_at:
        raise Conflict(msg("the public notice (村内公示) runs until {until}; review after it",
                           until=when(ctx.case.notice_ends_at)), notice_ends_at=ctx.case.notice_ends_at.isoformat())
    return "case.reviewed", _identify_next(ctx, ctx.policy.confirm_days)


def categorize(household: HouseholdFacts | None, policy: Policy) -> Category:
    pci = household.per_capita_income if household else None
    if pci is not None and pci < policy.income_line:
        return Category.UNSTABLE_LIFTED if household.poverty_status == "lifted" else Category.MARGINAL
    return Category.SUDDEN_HARDSHIP


async def confirm(ctx: Ctx) -> tuple[str, dict]:
    c = ctx.case
    c.category = categorize(ctx.household, ctx.policy)
    c.gaps = gaps(ctx.household) if ctx.household else []
    c.confirmed_at, c.due_step, c.due_at = ctx.now, None, None
    # a case helped at once (即时帮扶) already has its plan; the county may still plan more
    c.plan_due_at = None if c.planned_at else add_days(ctx.now, ctx.policy.plan_days)
    c.next_visit_due = add_days(ctx.now, ctx.policy.visit_interval_days)
    return "case.confirmed", {"category": c.category, "risk_types": c.risk_types, "gaps": c.gaps,
                              "plan_due_at": c.plan_due_at}


def _require(value: Any, what: str) -> Any:
    if value in (None, "", []):
        raise Unprocessable(msg("{what} is required for this action", what=what), errors=[{"loc": ["body", what],
                                                                             "msg": "required"}])
    return value


async def reject(ctx: Ctx) -> tuple[str, dict]:
    reason = _require(ctx.body.reason, "reason")
    if ctx.to == Stage.CONFIRMED:  # the county refused a proposed elimination: back under monitoring
        return "case.elimination_refused", {"method": _withdraw_proposal(ctx.case), "note": reason}
    c = ctx.case
    c.closed_at, c.close_reason, c.due_step, c.due_at = ctx.now, reason, None, None
    return "case.rejected", {"reason": reason}


async def plan(ctx: Ctx) -> tuple[str, dict]:
    measures = _require(ctx.body.measures, "measures")
    for m in measures:
        if m.measure_type not in MEASURE_TYPES:
            raise Unprocessable(msg("unknown measure_type {type}", type=repr(m.measure_type)), allowed=sorted(MEASURE_TYPES))
    due = ctx.case.plan_due_at
    instant = ctx.case.confirmed_at is None  # still being identified: 即时帮扶
    if instant:
        ctx.case.instant_help_at = ctx.case.instant_help_at or ctx.now
    for m in measures:
        ctx.uow.session.add(Measure(case_id=ctx.case.id, household_id=ctx.case.household_id,
                                    measure_type=m.measure_type, responsible_unit=m.responsible_unit,
                                    helper_user_id=m.helper_user_id, due_at=start_of(m.due_on) if m.due_on else due))
    ctx.case.planned_at, ctx.case.plan_due_at = ctx.now, None
    return "case.assistance_planned", {"measures": [m.model_dump(exclude={"due_on"}) for m in measures], "due_at": due,
                                       "instant_help": instant}


async def visit(ctx: Ctx) -> tuple[str, dict]:
    visited_on, at = visit_day(ctx.body.visited_on, ctx.body.occurred_at, ctx.now, ctx.case.opened_at)
    findings = _require(ctx.body.findings, "findings")
    row = Visit(id=uuid.uuid4(), case_id=ctx.case.id, visited_on=visited_on, occurred_at=at, created_at=ctx.now,
                visitor_user_id=ctx.principal.subject, findings=findings)  # created_at: when it arrived
    ctx.uow.session.add(row)
    nxt = add_days(start_of(visited_on), ctx.policy.visit_interval_days)
    if ctx.case.next_visit_due is None or nxt > ctx.case.next_visit_due:
        ctx.case.next_visit_due = nxt
    return "case.visit_recorded", {"visit_id": row.id, "visited_on": visited_on,
                                   "next_visit_due": ctx.case.next_visit_due}


async def _check_elimination(ctx: Ctx) -> None:
    open_measures = await case_repo.open_measures(ctx.uow.session, ctx.case.id)
    unmet = unmet_conditions(ctx.case, ctx.household, ctx.policy, open_measures, ctx.now)
    if unmet:
        raise Conflict("risk elimination (风险消除) conditions are not met", unmet=unmet)


def _withdraw_proposal(case: Case) -> str:
    method = case.elimination_method or "assistance"
    case.elimination_method, case.elimination_notice_ends_at = None, None
    return method


async def propose_elimination(ctx: Ctx) -> tuple[str, dict]:
    """风险消除 is proposed, publicly noticed and approved like identification (docs/contract.md §3): the
    proposal starts a village notice of the policy's ``notice_days`` (at least 5)."""
    await _check_elimination(ctx)
    method = ctx.body.method or "assistance"
    ctx.case.elimination_method = method
    ctx.case.elimination_notice_ends_at = add_days(ctx.now, ctx.policy.notice_days)
    return "case.elimination_proposed", {"method": method, "note": ctx.body.note,
                                         "notice_ends_at": ctx.case.elimination_notice_ends_at}


async def object_to_elimination(ctx: Ctx) -> tuple[str, dict]:
    reason = _require(ctx.body.reason, "reason")
    return "case.elimination_objected", {"method": _withdraw_proposal(ctx.case), "note": reason}


def _notice_has_run(case: Case, now: datetime) -> None:
    ends = case.elimination_notice_ends_at
    if ends is not None and now < ends:
        raise Conflict(msg("the elimination notice (风险消除公示) runs until {ends}; approve it after that",
                           ends=when(ends)),
                       reason="elimination_notice_running", notice_ends_at=ends.isoformat())


async def eliminate(ctx: Ctx) -> tuple[str, dict]:
    _notice_has_run(ctx.case, ctx.now)
    await _check_elimination(ctx)
    c = ctx.case
    c.closed_at, c.close_reason, c.plan_due_at, c.next_visit_due = ctx.now, "eliminated", None, None
    return "case.risk_eliminated", {"method": c.elimination_method or "assistance", "note": ctx.body.note}


async def reopen(ctx: Ctx) -> tuple[str, dict]:
    reason = _require(ctx.body.reason, "reason")
    other = await case_repo.open_for_household(ctx.uow.session, ctx.case.household_id)
    if other is not None:
        raise Conflict("the household already has an open case", case_id=str(other.id))
    c = ctx.case
    c.closed_at, c.close_reason = None, None
    if ctx.to == Stage.CONFIRMED:
        c.next_visit_due = add_days(ctx.now, ctx.policy.visit_interval_days)
    else:
        c.due_step, c.due_at = STEP_DUE[Stage.OPENED], add_days(ctx.now, ctx.policy.verify_days)
        c.decision_due_at, c.notice_ends_at = add_days(ctx.now, ctx.policy.decision_days), None
    return "case.reopened", {"reason": reason, "risk_types": c.risk_types}


STEPS = {"verify": verify, "post-notice": post_notice, "review": review, "confirm": confirm, "reject": reject,
         "plan": plan, "visit": visit, "propose-elimination": propose_elimination, "object": object_to_elimination,
         "eliminate": eliminate,
         "reopen": reopen}
