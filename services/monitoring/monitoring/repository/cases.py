"""Queries on cases and what hangs off them."""

import uuid

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models import Case, CaseStep, Measure, Signal, Visit
from monitoring.models.cases import OPEN_STAGES_SQL


async def get(session: AsyncSession, case_id: uuid.UUID, *, lock: bool = False) -> Case | None:
    return await session.get(Case, case_id, with_for_update=lock or None)


async def open_for_household(session: AsyncSession, household_id: uuid.UUID, *, lock: bool = False) -> Case | None:
    stmt = select(Case).where(Case.household_id == household_id, text(OPEN_STAGES_SQL))
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalars().first()


#: the rows of these cases locked, in id order
LOCK_CASES = text("SELECT c.id FROM cases c JOIN unnest(CAST(:ids AS uuid[])) AS k(id) ON c.id = k.id "
                  "ORDER BY c.id FOR UPDATE OF c")


async def lock(session: AsyncSession, case_ids: list[uuid.UUID]) -> None:
    if case_ids:
        await session.execute(LOCK_CASES, {"ids": case_ids})


async def move_to_village(session: AsyncSession, household_id: uuid.UUID, village_code: str) -> None:
    """A household moved village (the registry said so): its cases follow it."""
    await session.execute(update(Case).where(Case.household_id == household_id).values(village_code=village_code))


async def insert_unless_open(session: AsyncSession, columns: dict) -> bool:
    """Insert the case of these columns; False when the one-open-case-per-household index refuses it (a
    concurrent writer opened one first). One statement (``ON CONFLICT`` on that index), not a savepoint, an
    ORM flush and its release: three round trips of a streamed event that opens a case."""
    return (await session.execute(insert(Case).values(**columns).on_conflict_do_nothing(
        index_elements=[Case.household_id], index_where=text(OPEN_STAGES_SQL)).returning(Case.id))).first() is not None


async def open_measures(session: AsyncSession, case_id: uuid.UUID) -> int:
    return (await session.execute(select(func.count()).select_from(Measure).where(
        Measure.case_id == case_id, Measure.status == "open"))).scalar_one()


async def steps(session: AsyncSession, case_ids: list[uuid.UUID]) -> list[CaseStep]:
    rows = await session.execute(select(CaseStep).where(CaseStep.case_id.in_(case_ids))
                                 .order_by(CaseStep.at, CaseStep.id))
    return list(rows.scalars())


async def signals(session: AsyncSession, case_id: uuid.UUID) -> list[Signal]:
    rows = await session.execute(select(Signal).where(Signal.case_id == case_id).order_by(Signal.created_at))
    return list(rows.scalars())


async def measures(session: AsyncSession, case_id: uuid.UUID) -> list[Measure]:
    rows = await session.execute(select(Measure).where(Measure.case_id == case_id).order_by(Measure.created_at))
    return list(rows.scalars())


async def visits(session: AsyncSession, case_id: uuid.UUID) -> list[Visit]:
    rows = await session.execute(select(Visit).where(Visit.case_id == case_id).order_by(Visit.visited_on))
    return list(rows.scalars())


async def complete_measure(session: AsyncSession, household_id: uuid.UUID, measure_type: str,
                           registry_measure_id: uuid.UUID | None, now) -> Measure | None:
    """The registry reported a measure given: close the oldest open planned measure of that type."""
    row = (await session.execute(
        select(Measure).where(Measure.household_id == household_id, Measure.measure_type == measure_type,
                              Measure.status == "open").order_by(Measure.created_at).limit(1)
        .with_for_update())).scalars().first()
    if row is not None:
        row.status, row.done_at, row.registry_measure_id = "done", now, registry_measure_id
    return row
