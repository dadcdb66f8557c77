"""Missed deadlines (identification step, the 15-day decision limit, plan, quarterly visit): each is
recorded once in ``deadline_misses`` and announced once as ``case.overdue`` to the level that answers for
it, however often the sweep runs (``repository.sweeps`` finds only the newly missed; ``jobs`` runs it)."""

from datetime import datetime

from backstop_common.auth import area_level, parent_area
from backstop_common.topics import MONITORING_CASE
from backstop_common.uow import UnitOfWork
from monitoring.events import CaseOverdue
from monitoring.models import CaseStep
from monitoring.repository import cases, sweeps

#: who answers for a missed step: the village's steps escalate to the township, and so on up. The
#: 15-day limit from the first signal to the county's decision (docs/contract.md §3, ``decision_days``) is
#: escalated to the county office, which owes the decision and chases the township and village.
RESPONSIBLE_LEVEL = {"verify": "village", "notice": "village", "plan": "village", "visit": "village",
                     "review": "township", "confirm": "county", "decision": "township"}


def escalate_to(village_code: str, step: str) -> str | None:
    code: str | None = village_code
    while code and area_level(code) != RESPONSIBLE_LEVEL.get(step, "village"):
        code = parent_area(code)
    return parent_area(code) if code else None


async def sweep(uow: UnitOfWork, now: datetime) -> int:
    """Deadlines newly missed at ``now``: a history step and ``case.overdue`` once each."""
    rows = await sweeps.missed_deadlines(uow.session, now)
    # a case's events are written under its row's lock (the consumer's, the routes'): so are these
    await cases.lock(uow.session, sorted({row[0] for row in rows}))
    for case_id, step, due_at, household_id, village_code, stage in rows:
        uow.session.add(CaseStep(case_id=case_id, action="overdue", from_stage=stage, to_stage=stage,
                                 note=step, data={"step": step, "due_at": due_at.isoformat()}, at=now))
        uow.publish(MONITORING_CASE, "case.overdue", subject=case_id, area_code=village_code, data=CaseOverdue(
            case_id=case_id, household_id=household_id, village_code=village_code, actor=None, step=step,
            due_at=due_at, escalate_to_area=escalate_to(village_code, step)))
    return len(rows)
