"""The set-based sweeps: each records what it finds missed at ``now`` once (a unique key, ON CONFLICT DO
NOTHING) and returns only the newly recorded rows, so two sweepers or a re-sweep never announce twice."""

from datetime import datetime, timedelta

from sqlalchemy import Row, text
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models.cases import IDENTIFYING_SQL, OPEN_STAGES_SQL

#: every missed deadline of an open case: identification step, plan, quarterly visit, the 15-day decision
MISSED_DEADLINES = text(f"""
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

#: key households (低保, 特困, a severe disability or illness, eliminated within the year) without an open
#: case whose visit interval (their area's policy for the year) ran out since the last key visit
MISSED_KEY_VISITS = text(f"""
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

#: villages under :scope (or the one :village) whose share of households with a signal since :since
#: crossed the threshold, recorded once per (village, window bucket)
CLUSTER_ALERTS = text("""
WITH totals AS (
    SELECT village_code, count(*) AS total FROM household_facts
    WHERE village_code LIKE :scope || '%' AND (:village = '' OR village_code = :village) GROUP BY village_code),
hit AS (
    SELECT village_code, count(DISTINCT household_id) AS n FROM signals
    WHERE village_code LIKE :scope || '%' AND (:village = '' OR village_code = :village) AND created_at >= :since
    GROUP BY village_code)
INSERT INTO cluster_alerts (village_code, window_bucket, fired_at, households_with_signals, households_total,
                            share, threshold, window_days)
SELECT t.village_code, :bucket, :now, h.n, t.total, round(h.n::numeric / t.total, 4), :threshold, :window
FROM totals t JOIN hit h USING (village_code)
WHERE h.n >= :min_households AND h.n::numeric / t.total >= :threshold
ON CONFLICT DO NOTHING
RETURNING village_code, households_with_signals, households_total, share
""")


#: one village's alert with the figures of the moment it crossed the threshold (``CLUSTER_ALERTS``' row)
RECORD_CLUSTER_ALERT = text("""
INSERT INTO cluster_alerts (village_code, window_bucket, fired_at, households_with_signals, households_total,
                            share, threshold, window_days)
VALUES (:village, :bucket, :now, CAST(:n AS int), CAST(:total AS int),
        round(CAST(:n AS int)::numeric / CAST(:total AS int), 4), :threshold, :window)
ON CONFLICT DO NOTHING
RETURNING village_code, households_with_signals, households_total, share
""")


async def missed_deadlines(session: AsyncSession, now: datetime) -> list[Row]:
    """(case_id, step, due_at, household_id, village_code, stage) of each deadline newly missed."""
    return list((await session.execute(MISSED_DEADLINES, {"now": now})).all())


async def missed_key_visits(session: AsyncSession, now: datetime) -> list[Row]:
    """(household_id, due_at, village_code) of each key visit newly missed."""
    return list((await session.execute(MISSED_KEY_VISITS, {"now": now, "year": now.year})).all())


async def cluster_alerts(session: AsyncSession, *, scope: str, village: str, now: datetime, window_days: int,
                         bucket: int, threshold, min_households: int) -> list[Row]:
    """(village_code, households_with_signals, households_total, share) of each alert newly recorded."""
    return list((await session.execute(CLUSTER_ALERTS, {
        "scope": scope, "village": village, "since": now - timedelta(days=window_days), "bucket": bucket,
        "now": now, "threshold": threshold, "window": window_days, "min_households": min_households})).all())


async def record_cluster_alert(session: AsyncSession, *, village: str, bucket: int, now: datetime, n: int,
                               total: int, threshold, window_days: int) -> list[Row]:
    """The alert as ``cluster_alerts`` records it (none when the window's alert was recorded before)."""
    return list((await session.execute(RECORD_CLUSTER_ALERT, {
        "village": village, "bucket": bucket, "now": now, "n": n, "total": total, "threshold": threshold,
        "window": window_days})).all())
