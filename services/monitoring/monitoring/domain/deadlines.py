"""The deadline sweeper: every missed deadline (identification step, the 15-day decision limit, plan,
quarterly visit) is
recorded once in ``deadline_misses`` and announced once as ``case.overdue``, however often it runs.

One set-based INSERT ... SELECT ... ON CONFLICT DO NOTHING picks the misses not yet recorded, so two
sweepers (or a re-sweep) never announce the same deadline twice.
"""

from datetime import datetime

import structlog
from fastapi import FastAPI
from sqlalchemy import text

from backstop_common.auth import area_level, parent_area
from backstop_common.jobs import periodic
from backstop_common.topics import MONITORING_CASE
from backstop_common.uow import UnitOfWork
from monitoring.clock import clock
from monitoring.domain import dibao, key_visits
from monitoring.events import CaseOverdue
from monitoring.models import CaseStep
from monitoring.models.cases import IDENTIFYING_SQL, OPEN_STAGES_SQL

log = structlog.get_logger()

SWEEP = text(f"""
WITH due AS (
    SELECT id, household_id, village_code, stage, due_step AS step, due_at FROM cases
     WHERE {OPEN_STAGES_SQL} AND next_due_at < :now AND due_step IS NOT NULL AND due_at < :now
    UNION ALL
    SELECT id, household_id, village_code, stage, 'plan', plan_due_at FROM cases
     WHERE {OPEN_STAGES_SQL} AND next_due_at < :now AND plan_due_at < :now
    UNION ALL
    SELECT id, household_id, village_code, stage, 'visit', next_visit_due FROM cases
     WHERE {OPEN_STAGES_SQL} AND next_due_at < :now AND next_visit_due < :now
    UNION ALL
    SELECT id, household_id, village_code, stage, 'decision', decision_due_at FROM cases
     WHERE {OPEN_STAGES_SQL} AND {IDENTIFYING_SQL} AND next_due_at < :now AND decision_due_at < :now),
missed AS (
    INSERT INTO deadline_misses (case_id, step, due_at, recorded_at)
    SELECT id, step, due_at, :now FROM due ON CONFLICT DO NOTHING
    RETURNING case_id, step, due_at)
SELECT m.case_id, m.step, m.due_at, d.household_id, d.village_code, d.stage
  FROM missed m JOIN due d ON d.id = m.case_id AND d.step = m.step
""")

#: who answers for a missed step: the village's steps escalate to the township, and so on up. The
#: 15-day limit from the first signal to the county's decision (DESIGN §3, ``decision_days``) is
#: escalated to the county office, which owes the decision and chases the township and village.
RESPONSIBLE_LEVEL = {"verify": "village", "notice": "village", "plan": "village", "visit": "village",
                     "review": "township", "confirm": "county", "decision": "township"}


def escalate_to(village_code: str, step: str) -> str | None:
    code: str | None = village_code
    while code and area_level(code) != RESPONSIBLE_LEVEL.get(step, "village"):
        code = parent_area(code)
    return parent_area(code) if code else None


async def sweep(uow: UnitOfWork, now: datetime) -> int:
    rows = (await uow.session.execute(SWEEP, {"now": now})).all()
    for case_id, step, due_at, household_id, village_code, stage in rows:
        uow.session.add(CaseStep(case_id=case_id, action="overdue", from_stage=stage, to_stage=stage,
                                 note=step, data={"step": step, "due_at": due_at.isoformat()}, at=now))
        uow.publish(MONITORING_CASE, "case.overdue", subject=case_id, area_code=village_code, data=CaseOverdue(
            case_id=case_id, household_id=household_id, village_code=village_code, actor=None, step=step,
            due_at=due_at, escalate_to_area=escalate_to(village_code, step)))
    return len(rows)


async def sweep_once(app: FastAPI) -> int:
    async with app.state.sessions() as session:
        uow = UnitOfWork(session, app.state.settings.service_name, app.state.relay.wake)
        found = await sweep(uow, clock.now())
        found += await dibao.sweep_due(uow, clock.now())
        found += await key_visits.sweep(uow, clock.now())
        await uow.commit()
    if found:
        log.info("case.overdue_swept", count=found)
    return found


#: background job (ServiceSpec.background): sweep, sleep, repeat; errors never stop it
deadline_sweeper = periodic("case.sweep", sweep_once)
