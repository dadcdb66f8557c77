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

from sqlalchemy import select, text

from backstop_common.auth import Principal, Role
from backstop_common.problems import NotFound, Unprocessable
from backstop_common.topics import MONITORING_CASE
from backstop_common.uow import UnitOfWork
from monitoring.events import KeyVisitOverdue, KeyVisitRecorded
from monitoring.models import KeyVisit
from monitoring.models.cases import OPEN_STAGES_SQL
from monitoring.repository import households

VISITORS = (Role.VILLAGE_CADRE, Role.HELPER, Role.TOWNSHIP_STAFF)

SWEEP = text(f"""
WITH targets AS (
    SELECT h.household_id, h.village_code,
           coalesce((SELECT max(v.visited_on) FROM key_visits v WHERE v.household_id = h.household_id)::timestamptz,
                    h.first_seen_at) + make_interval(days => p.visit_interval_days) AS due_at
      FROM household_facts h
      JOIN LATERAL (SELECT visit_interval_days FROM policies p
                     WHERE h.village_code LIKE p.scope || '%' AND p.year <= :year
                     ORDER BY p.year DESC, length(p.scope) DESC LIMIT 1) p ON true
     WHERE (h.dibao OR h.tekun OR h.major_illness_members > 0 OR h.severe_disabled_members > 0
            OR EXISTS (SELECT 1 FROM cases c WHERE c.household_id = h.household_id AND c.stage = 'eliminated'
                          AND c.closed_at > CAST(:now AS timestamptz) - interval '1 year'))
       AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.household_id = h.household_id AND c.{OPEN_STAGES_SQL})
       AND h.first_seen_at IS NOT NULL),
missed AS (
    INSERT INTO key_visit_misses (household_id, due_at, recorded_at)
    SELECT household_id, due_at, :now FROM targets WHERE due_at < :now ON CONFLICT DO NOTHING
    RETURNING household_id, due_at)
SELECT m.household_id, m.due_at, t.village_code FROM missed m JOIN targets t USING (household_id)
""")


async def sweep(uow: UnitOfWork, now: datetime) -> int:
    rows = (await uow.session.execute(SWEEP, {"now": now, "year": now.year})).all()
    for household_id, due_at, village_code in rows:
        uow.publish(MONITORING_CASE, "key_visit.overdue", subject=household_id, area_code=village_code,
                    data=KeyVisitOverdue(household_id=household_id, village_code=village_code, due_at=due_at))
    return len(rows)


async def record(uow: UnitOfWork, principal: Principal, household_id: uuid.UUID, visited_on: date,
                 findings: str, now: datetime) -> KeyVisit:
    """A visit to the household recorded in its one file (一人一档), by its village, helper or township."""
    facts = await households.get(uow.session, household_id)
    if facts is None or not principal.covers(facts.village_code):
        raise NotFound("household not found")
    principal.ensure_role(*VISITORS)
    if visited_on > now.date():
        raise Unprocessable("visited_on is in the future")
    row = KeyVisit(household_id=household_id, visited_on=visited_on, visitor_user_id=principal.subject,
                   findings=findings)
    uow.session.add(row)
    await uow.session.flush()
    uow.publish(MONITORING_CASE, "key_visit.recorded", subject=household_id, area_code=facts.village_code,
                data=KeyVisitRecorded(household_id=household_id, village_code=facts.village_code,
                                      visit_id=row.id, visited_on=visited_on))
    return row


async def history(uow: UnitOfWork, household_id: uuid.UUID) -> list[KeyVisit]:
    rows = await uow.session.execute(select(KeyVisit).where(KeyVisit.household_id == household_id)
                                     .order_by(KeyVisit.visited_on))
    return list(rows.scalars())
