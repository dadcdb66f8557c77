"""Dashboard figures per village: the trigger-kept counters, plus overdue cases live (overdue depends on
the time of asking) from the partial index on open cases' next deadline."""

from datetime import datetime

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
