"""Dashboard counts per village (rolled up to townships by the caller), from indexed group-bys."""

from datetime import datetime

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models.cases import OPEN_STAGES_SQL

CASES_BY_STAGE = text(f"""
SELECT village_code, stage, count(*) AS n,
       count(*) FILTER (WHERE {OPEN_STAGES_SQL} AND next_due_at < :now) AS overdue
  FROM cases WHERE village_code LIKE :scope || '%' GROUP BY village_code, stage
""")
OPEN_CASES_BY_RISK = text(f"""
SELECT village_code, rt, count(*) FROM cases, unnest(risk_types) AS rt
 WHERE village_code LIKE :scope || '%' AND {OPEN_STAGES_SQL} GROUP BY village_code, rt
""")
SIGNALS_BY_RISK = text("""
SELECT village_code, risk_type, count(*) FROM signals WHERE village_code LIKE :scope || '%'
 GROUP BY village_code, risk_type
""")
HOUSEHOLDS = text("""
SELECT village_code, count(*) FROM household_facts WHERE village_code LIKE :scope || '%' GROUP BY village_code
""")


async def per_village(session: AsyncSession, scope: str, now: datetime) -> dict[str, list]:
    params = {"scope": scope, "now": now}
    return {
        "cases": (await session.execute(CASES_BY_STAGE, params)).all(),
        "case_risks": (await session.execute(OPEN_CASES_BY_RISK, params)).all(),
        "signal_risks": (await session.execute(SIGNALS_BY_RISK, params)).all(),
        "households": (await session.execute(HOUSEHOLDS, params)).all(),
    }
