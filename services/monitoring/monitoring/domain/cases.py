"""Performing a workflow action on a case: area (404), role (403), version and stage (409), then the
step itself; every step records who/when/why and publishes its event in the same transaction."""

import uuid
from datetime import datetime

from backstop_common.auth import Principal
from backstop_common.concurrency import check_version
from backstop_common.i18n import msg, term
from backstop_common.problems import Conflict, NotFound
from backstop_common.uow import UnitOfWork
from monitoring.domain.dates import earliest
from monitoring.domain.policy import effective_policy
from monitoring.domain.publishing import publish_case
from monitoring.domain.steps import STEPS, Ctx
from monitoring.domain.workflow import TRANSITIONS, target
from monitoring.models import Case, CaseStep
from monitoring.repository import cases as case_repo
from monitoring.repository import households
from monitoring.vocab import CLOSED, IDENTIFYING, Stage


def refresh_next_due(case: Case) -> None:
    closed = Stage(case.stage) in CLOSED
    # the 15-day limit (signal → county decision) runs only while the case is being identified
    decision = case.decision_due_at if Stage(case.stage) in IDENTIFYING else None
    case.next_due_at = None if closed else earliest(case.due_at, case.plan_due_at, case.next_visit_due, decision)


async def act(uow: UnitOfWork, principal: Principal, case_id: uuid.UUID, action: str, body, now: datetime,
              expected_version: int | None = None) -> Case:
    if action not in TRANSITIONS:
        raise NotFound(msg("unknown action {action}", action=repr(action)), actions=sorted(TRANSITIONS))
    case = await case_repo.get(uow.session, case_id, lock=True)
    if case is None or not principal.covers(case.village_code):
        raise NotFound("case not found")
    transition = TRANSITIONS[action]
    principal.ensure_role(*transition.roles)
    if expected_version is not None:
        check_version(case.version, expected_version, "case")
    allowed, to = target(action, Stage(case.stage))
    if not allowed:
        raise Conflict(msg("cannot {action} a case in stage {stage}", action=term("action", action),
                           stage=term("stage", case.stage)), stage=case.stage,
                       allowed_from=sorted(transition.targets))
    policy = await effective_policy(uow.session, case.village_code, now.year)
    if policy is None:
        raise Conflict(msg("no monitoring policy for area {area} in {year}", area=case.village_code, year=now.year))
    household = await households.get(uow.session, case.household_id)
    from_stage = case.stage
    event, fields = await STEPS[action](Ctx(uow, case, body, principal, household, policy, now, to))
    case.stage, case.version, case.updated_at = to, case.version + 1, now
    refresh_next_due(case)
    uow.session.add(CaseStep(case_id=case.id, action=action, from_stage=from_stage, to_stage=to,
                             actor_user_id=principal.subject, actor_role=str(principal.role),
                             note=body.reason or body.note, data={"event": event}, at=now))
    await uow.session.flush()
    publish_case(uow, event, case, principal, **fields)
    return case
