"""Key households visited even without a case (seed 004: 建立困难群众巡访制度，把城乡低保对象、特困人员
供养对象、建档立卡贫困户列入重点巡访对象…每季度至少探访一次，建立健全巡访档案制度，实行巡访对象一人一档).

Targets: 低保, 特困, a severely disabled (grade 1–2) or seriously ill member, or a risk eliminated within
the past year; a household with an open case is visited through its case instead. A target is due one
``visit_interval_days`` (policy of its area, this year) after its last key visit, or after monitoring
first heard of it; a missed quarter is recorded and announced once (``key_visit.overdue``) to its
helpers and its village.
"""

import uuid
from datetime import date, datetime

from backstop_common.auth import Principal, Role
from backstop_common.problems import NotFound
from backstop_common.topics import MONITORING_CASE
from backstop_common.uow import UnitOfWork
from monitoring.domain.offline import visit_day
from monitoring.events import KeyVisitOverdue, KeyVisitRecorded
from monitoring.models import KeyVisit
from monitoring.repository import households, sweeps
from monitoring.repository import key_visits as key_visit_repo

VISITORS = (Role.VILLAGE_CADRE, Role.HELPER, Role.TOWNSHIP_STAFF)


async def sweep(uow: UnitOfWork, now: datetime) -> int:
    """Key visits newly missed at ``now``: recorded and announced (``key_visit.overdue``) once each."""
    rows = await sweeps.missed_key_visits(uow.session, now)
    # a household's events are written under its read-model row's lock (the consumer's, a visit's): so are these
    await households.get_many(uow.session, [household_id for household_id, _, _ in rows])
    for household_id, due_at, village_code in rows:
        uow.publish(MONITORING_CASE, "key_visit.overdue", subject=household_id, area_code=village_code,
                    data=KeyVisitOverdue(household_id=household_id, village_code=village_code, due_at=due_at))
    return len(rows)


async def record(uow: UnitOfWork, principal: Principal, household_id: uuid.UUID, visited_on: date | None,
                 findings: str, now: datetime, occurred_at: datetime | None = None) -> KeyVisit:
    """A visit to the household recorded in its one file (一人一档), by its village, helper or township; one
    recorded offline keeps when it happened (``occurred_at``, not before monitoring first heard of the household)."""
    facts = await households.get(uow.session, household_id, lock=True)  # the household's events' order (sweep)
    if facts is None or not principal.covers(facts.village_code):
        raise NotFound("household not found")
    principal.ensure_role(*VISITORS)
    visited_on, at = visit_day(visited_on, occurred_at, now, facts.first_seen_at)
    row = KeyVisit(household_id=household_id, visited_on=visited_on, occurred_at=at, created_at=now,
                   visitor_user_id=principal.subject, findings=findings)
    uow.session.add(row)
    await uow.session.flush()
    uow.publish(MONITORING_CASE, "key_visit.recorded", subject=household_id, area_code=facts.village_code,
                data=KeyVisitRecorded(household_id=household_id, village_code=facts.village_code,
                                      visit_id=row.id, visited_on=visited_on))
    return row


async def history(uow: UnitOfWork, household_id: uuid.UUID) -> list[KeyVisit]:
    return await key_visit_repo.history(uow.session, household_id)
