"""Queries on risk signals."""

import json
import uuid
from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common import driver
from monitoring.models import HouseholdFacts, Signal
from monitoring.repository import households, rescreen


async def get(session: AsyncSession, signal_id: uuid.UUID) -> Signal | None:
    return await session.get(Signal, signal_id)


async def by_fact(session: AsyncSession, household_id: uuid.UUID, rule: str, fact_key: str) -> Signal | None:
    return (await session.execute(select(Signal).where(
        Signal.household_id == household_id, Signal.rule == rule, Signal.fact_key == fact_key))).scalars().first()


#: built once, its values bound at execution (building ``.values(**…)`` was 7 % of a streamed event, profiled)
_INSERT_ONCE = insert(Signal).on_conflict_do_nothing(constraint="uq_signals_fact").returning(Signal.id)


async def insert_once(session: AsyncSession, values: dict) -> uuid.UUID | None:
    """Insert the signal; None when its fact (household, rule, fact key) was already recorded."""
    return (await session.execute(_INSERT_ONCE, values)).scalar()


async def move_to_case(session: AsyncSession, signal_id: uuid.UUID, case_id: uuid.UUID) -> None:
    await session.execute(update(Signal).where(Signal.id == signal_id).values(case_id=case_id))


async def for_household(session: AsyncSession, household_id: uuid.UUID) -> list[Signal]:
    rows = await session.execute(select(Signal).where(Signal.household_id == household_id)
                                 .order_by(Signal.created_at))
    return list(rows.scalars())


#: where each village stands before a batch's signals are counted (``intake.screen_many`` replays the per-event
#: checks from it), one statement for the batch's villages: for each ask (village, window start, window bucket,
#: the batch's households there) its households, households with signals in the window, the window's alert, and
#: which of the batch's households had a signal in the window before the batch's new ones. The village's
#: households are its ``area_counts`` row (kept by the read model's count trigger in the same transaction), the
#: window's signals read once for both figures: the batches of a 10,000-record feed spent 4.6 s of PostgreSQL in
#: this statement when it counted ``household_facts`` and read the window twice (session 8, bench/RESULTS.md)
CLUSTER_STANDINGS = text("""
SELECT q.village,
       coalesce((SELECT n FROM area_counts WHERE village_code = q.village AND metric = 'households' AND key = ''),
                0) AS total,
       s.n,
       EXISTS (SELECT 1 FROM cluster_alerts WHERE village_code = q.village AND window_bucket = q.bucket) AS fired,
       s.signalled_before
  FROM jsonb_to_recordset(CAST(:asks AS jsonb)) AS q(village text, since timestamptz, bucket bigint, households uuid[])
 CROSS JOIN LATERAL (
       SELECT count(DISTINCT household_id) AS n,
              coalesce(array_agg(DISTINCT household_id) FILTER (
                  WHERE household_id = ANY(q.households) AND NOT (id = ANY(CAST(:new AS uuid[])))),
                       CAST('{}' AS uuid[])) AS signalled_before
         FROM signals WHERE village_code = q.village AND created_at >= q.since) AS s
""")


class Standing(NamedTuple):
    """Where a village stands before a batch's signals (``cluster_standings``)."""

    village: str
    total: int
    n: int
    fired: bool
    signalled_before: list[uuid.UUID]


async def cluster_standings(session: AsyncSession, asks: list[tuple[str, datetime, int, list[uuid.UUID]]],
                            new_signals: list[uuid.UUID], saving: list | None = None,
                            writing: rescreen.Writes = rescreen.Writes()) -> dict[str, Standing]:
    """(village, total, n, fired, signalled_before) of each (village, since, bucket, households) asked, by
    village: one statement for a batch's villages instead of one each, on the driver's connection (a stream's
    every turn runs it). ``writing``: the batch's new cases, history lines and events
    (``rescreen.cases_steps_events``), and ``saving``: its household rows (``households.Row``), written by the
    same statement — data-modifying ``WITH`` parts, which the figures do not see (they are read as before the
    writes, as when these came after them; none of them writes what the figures count: the village's households
    are counted by the read model's inserts, its signals were written before), a turn's last statement for all
    of it; the writes alone when nothing is asked."""
    parts, params = list(writing.parts), dict(writing.parameters)
    if saving:
        saving_sql, values = households.saving_rows(HouseholdFacts, saving)
        parts.append(f"saved AS ({saving_sql})")
        params |= values
    if not asks:
        if parts:
            await driver.execute(session, _composed(tuple(parts), WRITES_ONLY), params)
        return {}
    assert not {"new", "asks"} & set(params)
    params |= {"new": new_signals, "asks": json.dumps([
        {"village": v, "since": since.isoformat(), "bucket": bucket, "households": [str(h) for h in hh]}
        for v, since, bucket, hh in asks])}
    rows = await driver.fetch(session, _composed(tuple(parts), CLUSTER_STANDINGS.text), params)
    return {row["village"]: Standing(*row) for row in rows}


#: the main query of a statement of ``WITH`` parts that only write (they run to completion whatever it reads)
WRITES_ONLY = "SELECT 1"


@cache
def _composed(parts: tuple[str, ...], main: str) -> object:
    return text(f"WITH {', '.join(parts)} {main}" if parts else main)
