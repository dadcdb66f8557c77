"""Dashboard figures per village, or per county for an area above a county: the trigger-kept counters, plus
overdue cases (overdue depends on the time of asking): per village live from the partial index on open cases'
next deadline; per county from the trigger-kept count per day of the deadline, today's part live."""

from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models.cases import OPEN_STAGES_SQL

COUNTERS = text("""
SELECT village_code, metric, key, n FROM area_counts WHERE village_code LIKE :scope || '%' AND n <> 0
""")
OVERDUE = text(f"""
SELECT village_code, count(*) FROM cases
 WHERE {OPEN_STAGES_SQL} AND next_due_at < :now AND village_code LIKE :scope || '%' GROUP BY village_code
""")


#: cases helped before confirmation (即时帮扶, seed 004), whatever their stage now
INSTANT_HELP = text("""
SELECT village_code, count(*) FROM cases
 WHERE instant_help_at IS NOT NULL AND village_code LIKE :scope || '%' GROUP BY village_code
""")


async def per_village(session: AsyncSession, scope: str, now: datetime) -> dict[str, list]:
    return {"counters": (await session.execute(COUNTERS, {"scope": scope})).all(),
            "overdue": (await session.execute(OVERDUE, {"scope": scope, "now": now})).all(),
            "instant_help": (await session.execute(INSTANT_HELP, {"scope": scope})).all()}


#: the same three, each area's rows added up in SQL by the first ``:digits`` of the village code: a province's
#: 2,000 villages' 22,000 counters become its counties' few hundred before they leave PostgreSQL
COUNTERS_BY = text("""
SELECT left(village_code, :digits), metric, key, sum(n)::bigint FROM area_counts
 WHERE village_code LIKE :scope || '%' AND n <> 0 GROUP BY 1, 2, 3
""")
#: overdue above a county: the days before today from ``due_counts`` (open cases per county and UTC day of their
#: next deadline, kept by triggers: migration c8e2f4a6d913), today's part until ``:now`` from the cases
OVERDUE_BY = text(f"""
SELECT area, sum(n)::bigint FROM (
  SELECT left(county_code, :digits) AS area, n FROM due_counts
   WHERE county_code LIKE :scope || '%' AND day < CAST(:today AS date) AND n <> 0
  UNION ALL
  SELECT left(village_code, :digits), 1 FROM cases
   WHERE {OPEN_STAGES_SQL} AND next_due_at >= :today_start AND next_due_at < :now AND village_code LIKE :scope || '%'
) o GROUP BY 1
""")
INSTANT_HELP_BY = text("""
SELECT left(village_code, :digits), count(*) FROM cases
 WHERE instant_help_at IS NOT NULL AND village_code LIKE :scope || '%' GROUP BY 1
""")


async def per_area(session: AsyncSession, scope: str, digits: int, now: datetime) -> dict[str, list]:
    """``per_village``'s rows added up per area of ``digits`` digits (a county: 6)."""
    asked = {"scope": scope, "digits": digits}
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return {"counters": (await session.execute(COUNTERS_BY, asked)).all(),
            "overdue": (await session.execute(OVERDUE_BY, {**asked, "now": now, "today": today.date(),
                                                           "today_start": today})).all(),
            "instant_help": (await session.execute(INSTANT_HELP_BY, asked)).all()}
