"""Queries on 低保 follow-up: the running phase-out, a recommendation once per income, phase-outs run out."""

import uuid
from datetime import datetime

from sqlalchemy import Integer, Numeric, String, bindparam, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models import DibaoPhaseout, DibaoRecommendation, HouseholdFacts, Policy
from monitoring.models.policies import IN_FORCE_SQL

BELOW_LINE = text(f"""
SELECT h.* FROM household_facts h
 WHERE h.village_code LIKE :scope || '%' AND h.per_capita_income < :line AND NOT h.dibao AND {IN_FORCE_SQL}
 ORDER BY h.household_id
   FOR UPDATE OF h""").bindparams(bindparam("scope", type_=String), bindparam("line", type_=Numeric(14, 2)),
                                        bindparam("year", type_=Integer), bindparam("current_year", type_=Integer))


async def running(session: AsyncSession, household_id: uuid.UUID, *, lock: bool = False) -> DibaoPhaseout | None:
    stmt = select(DibaoPhaseout).where(DibaoPhaseout.household_id == household_id, DibaoPhaseout.closed_at.is_(None))
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalars().first()


async def recommend_once(session: AsyncSession, household_id: uuid.UUID, fact_key: str, now: datetime) -> bool:
    """Record the recommendation for this income; False when it was already recorded."""
    stmt = insert(DibaoRecommendation).values(household_id=household_id, fact_key=fact_key, recommended_at=now)
    return (await session.execute(stmt.on_conflict_do_nothing().returning(DibaoRecommendation.fact_key))).first() \
        is not None


#: the read-model rows of the households whose running phase-out ran out, locked in key order: their
#: ``dibao.phaseout_due`` is then written under the lock the consumer writes their other events under, and taken
#: before the phase-outs' rows as the consumer takes them (household, then phase-out: no deadlock)
LOCK_RUN_OUT = text("""
SELECT h.household_id FROM household_facts h
 WHERE h.household_id IN (SELECT household_id FROM dibao_phaseouts WHERE closed_at IS NULL AND ends_at < :now)
 ORDER BY h.household_id
   FOR UPDATE OF h""")


async def lock_households_run_out(session: AsyncSession, now: datetime) -> None:
    await session.execute(LOCK_RUN_OUT, {"now": now})


async def close_run_out(session: AsyncSession, now: datetime) -> list[DibaoPhaseout]:
    """Close, as ``due``, the running phase-outs whose end passed; returns them."""
    return list((await session.execute(
        update(DibaoPhaseout).where(DibaoPhaseout.closed_at.is_(None), DibaoPhaseout.ends_at < now)
        .values(closed_at=now, outcome="due").returning(DibaoPhaseout))).scalars().all())


async def below_line(session: AsyncSession, policy: Policy, current_year: int) -> list[HouseholdFacts]:
    """Households off 低保 whose latest income is under the row's 低保 line, the row being in force for them."""
    stmt = select(HouseholdFacts).from_statement(BELOW_LINE)
    return list((await session.execute(stmt, {"scope": policy.scope, "line": policy.dibao_line, "year": policy.year,
                                              "current_year": current_year})).scalars().all())
