"""Queries on a household's records (the file itself is read in one statement: repository/files.py).

The income assessment is the registry's busiest write (a collection day, a department's feed): two statements
instead of the ORM's six round trips — the household locked with its latest assessment, then one data-modifying
statement writing the assessment, the household's new income and version, the history rows and the event's
outbox row (bench/RESULTS.md, issue 18). The domain (domain/income.py) decides every value, the unit of work
builds the event's row.
"""

import functools
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.db import DriverSession, driver_connection, transaction_connection
from backstop_common.uow import OUTBOX_COLUMNS
from registry.models import HousingAssessment, IncomeAssessment


@dataclass
class IncomeHousehold:
    """What an income assessment reads and changes of the household, locked until commit."""

    id: uuid.UUID
    village_code: str
    size: int
    income_year: int | None
    per_capita_income: Decimal | None
    version: int
    updated_at: datetime | None = None


@dataclass(frozen=True)
class LatestIncome:
    year: int
    per_capita_income: Decimal


LOCK_FOR_INCOME = """
SELECT h.id, h.village_code, h.size, h.income_year, h.per_capita_income, h.version,
       l.year AS latest_year, l.per_capita_income AS latest_per_capita_income
  FROM households h
  LEFT JOIN LATERAL (SELECT a.year, a.per_capita_income FROM income_assessments a WHERE a.household_id = h.id
                      ORDER BY a.year DESC, a.created_at DESC LIMIT 1) l ON true
 WHERE h.id = $1
   FOR UPDATE OF h
"""


async def lock_for_income(session: AsyncSession | DriverSession, household_id: uuid.UUID
                          ) -> tuple[IncomeHousehold, LatestIncome | None] | None:
    """The household locked (a concurrent writer waits, then sees the new version) and its latest assessment."""
    con = await transaction_connection(session)  # the transaction begun first, so the lock holds until commit
    row = await con.fetchrow(LOCK_FOR_INCOME, household_id)
    if row is None:
        return None
    household = IncomeHousehold(row["id"], row["village_code"], row["size"], row["income_year"],
                                row["per_capita_income"], row["version"])
    latest = None if row["latest_year"] is None else LatestIncome(row["latest_year"], row["latest_per_capita_income"])
    return household, latest


_HISTORY = ("household_id", "entity", "entity_id", "action", "field", "old_value", "new_value", "actor", "actor_role",
            "version", "changed_at")
_ASSESSMENT = ("id", "household_id", "year", "wage", "business", "business_costs", "property", "transfer", "net_income",
               "size", "per_capita_income", "assessed_by", "created_at")
_HOUSING = ("id", "household_id", "grade", "assessed_on", "note", "source", "assessed_by", "created_at")


def inserting_history(parameter: int) -> str:
    """The change-history rows of one write, given as one JSON array (``history_json``) in ``$parameter``, in order."""
    return f"""
  INSERT INTO change_history ({", ".join(_HISTORY)})
  SELECT r.household_id, r.entity, r.entity_id, r.action, r.field, r.old_value::jsonb, r.new_value::jsonb,
         r.actor, r.actor_role, r.version, r.changed_at
    FROM ROWS FROM (jsonb_to_recordset(${parameter}::jsonb)
                    AS (household_id uuid, entity text, entity_id uuid, action text, field text, old_value text,
                        new_value text, actor text, actor_role text, version int, changed_at timestamptz))
         WITH ORDINALITY AS r(household_id, entity, entity_id, action, field, old_value, new_value, actor,
                              actor_role, version, changed_at, n)
   ORDER BY r.n
  RETURNING 1"""


@functools.lru_cache(maxsize=16)
def appending(table: str, columns: tuple[str, ...], household_columns: tuple[str, ...]) -> str:
    """One data-modifying statement for a write that appends a record to a household's file: the record's row
    ($1… in ``columns`` order), the household's ``household_columns`` with ``version`` and ``updated_at``, the
    history rows (one JSON array) and the event's outbox row (``OUTBOX_COLUMNS``)."""
    n = len(columns)
    sets = [*household_columns, "version", "updated_at"]
    history = n + len(sets) + 1
    outbox = [f"${history + i}" for i in range(1, len(OUTBOX_COLUMNS) + 1)]
    outbox[-1] += "::jsonb"  # data
    return f"""
WITH added AS (
  INSERT INTO {table} ({", ".join(columns)}) VALUES ({", ".join(f"${i}" for i in range(1, n + 1))}) RETURNING 1),
household AS (
  UPDATE households SET {", ".join(f"{c} = ${n + 1 + i}" for i, c in enumerate(sets))}
   WHERE id = $2 RETURNING 1),
history AS ({inserting_history(history)}),
outbox AS (
  INSERT INTO outbox ({", ".join(OUTBOX_COLUMNS)}, attempts) VALUES ({", ".join(outbox)}, 0) RETURNING 1)
SELECT (SELECT count(*) FROM added) + (SELECT count(*) FROM household) + (SELECT count(*) FROM history)
       + (SELECT count(*) FROM outbox)
"""


def history_json(rows: list[dict[str, Any]], changed_at: datetime) -> str:
    """The rows as one JSON array; each old/new value as its JSON text (None is JSON null, as the ORM writes it)."""
    def value(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False)

    return json.dumps([{**{k: str(r[k]) if isinstance(r[k], uuid.UUID) else r[k] for k in _HISTORY[:-1]
                           if k not in ("old_value", "new_value")},
                        "old_value": value(r["old_value"]), "new_value": value(r["new_value"]),
                        "changed_at": changed_at.isoformat()} for r in rows], ensure_ascii=False)


async def append_record(session: AsyncSession | DriverSession, table: str, record: Any, columns: tuple[str, ...],
                        household: Any, household_columns: tuple[str, ...], history: list[dict[str, Any]],
                        outbox: dict[str, Any]) -> None:
    """Write ``record`` (its ``columns``), the household's ``household_columns`` and new version, the history rows
    and the event's outbox row (``uow.publish_row``): one statement, in the transaction the lock began."""
    await session.flush()  # an event staged earlier in this transaction keeps its place before this one
    con = await driver_connection(session)
    await con.fetchval(appending(table, columns, household_columns), *(getattr(record, c) for c in columns),
                       *(getattr(household, c) for c in household_columns), household.version, household.updated_at,
                       history_json(history, record.created_at), *(outbox[c] for c in OUTBOX_COLUMNS))


async def record_income(session: AsyncSession | DriverSession, assessment: IncomeAssessment,
                        household: IncomeHousehold, history: list[dict[str, Any]], outbox: dict[str, Any]) -> None:
    await append_record(session, "income_assessments", assessment, _ASSESSMENT, household,
                        ("per_capita_income", "income_year"), history, outbox)


_WATER = ("id", "household_id", "safe_water", "assessed_on", "note", "assessed_by", "created_at")
_DISASTER = ("id", "household_id", "disaster_type", "loss_amount", "occurred_on", "description", "reported_by",
             "created_at")
#: what each appending write reads and changes of the household: (its record's table and columns, the household's)
APPENDS = {
    "housing": ("housing_assessments", _HOUSING, ("housing_grade", "housing_assessed_on")),
    "water": ("water_assessments", _WATER, ("safe_water", "water_assessed_on")),
    "disaster": ("disasters", _DISASTER, ()),
}


async def record(session: AsyncSession | DriverSession, kind: str, row: Any, household: Any,
                 history: list[dict[str, Any]], outbox: dict[str, Any]) -> None:
    """``append_record`` for a housing appraisal, a water check or a disaster (``APPENDS``)."""
    table, columns, household_columns = APPENDS[kind]
    await append_record(session, table, row, columns, household, household_columns, history, outbox)


@functools.lru_cache(maxsize=8)
def _locking(kind: str):
    fields = ("id", "village_code", "version", *APPENDS[kind][2])
    return f"SELECT {', '.join(fields)} FROM households WHERE id = $1 FOR UPDATE"


async def lock_household(session: AsyncSession | DriverSession, kind: str, household_id: uuid.UUID
                         ) -> SimpleNamespace | None:
    """The household's facts a ``kind`` of write reads, locked as ``lock_for_income`` locks; a namespace the
    domain changes as it would the ORM household."""
    row = await (await transaction_connection(session)).fetchrow(_locking(kind), household_id)
    return None if row is None else SimpleNamespace(**dict(row), updated_at=None)


LOCK_FOR_INCOMES = text("""
SELECT h.id, h.village_code, h.size, h.income_year, h.per_capita_income, h.version,
       l.year AS latest_year, l.per_capita_income AS latest_per_capita_income
  FROM households h
  LEFT JOIN LATERAL (SELECT a.year, a.per_capita_income FROM income_assessments a WHERE a.household_id = h.id
                      ORDER BY a.year DESC, a.created_at DESC LIMIT 1) l ON true
 WHERE h.id = ANY(CAST(:ids AS uuid[]))
 ORDER BY h.id
   FOR UPDATE OF h
""")


async def lock_for_incomes(session: AsyncSession, household_ids: list[uuid.UUID]
                           ) -> dict[uuid.UUID, tuple[IncomeHousehold, LatestIncome | None]]:
    """``lock_for_income`` for a batch's households in one statement, locked in id order (two batches sharing
    households wait for each other instead of deadlocking); an unknown id is absent."""
    rows = (await session.execute(LOCK_FOR_INCOMES, {"ids": sorted(set(household_ids))})).mappings().all()
    return {r["id"]: (IncomeHousehold(r["id"], r["village_code"], r["size"], r["income_year"], r["per_capita_income"],
                                      r["version"]),
                      None if r["latest_year"] is None else LatestIncome(r["latest_year"], r["latest_per_capita_income"]))
            for r in rows}


@dataclass
class IncomeBatch:
    """What a batch of income assessments writes: the assessments, each household's last state, the history
    rows and the events, in the batch's order."""

    assessments: list[IncomeAssessment] = field(default_factory=list)
    households: dict[uuid.UUID, IncomeHousehold] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)

    def add(self, assessment: IncomeAssessment, household: IncomeHousehold, history: list[dict[str, Any]],
            event: Any) -> None:
        self.assessments.append(assessment)
        self.households[household.id] = household
        self.history += [{**row, "changed_at": assessment.created_at} for row in history]
        self.events.append(event)


UPDATE_INCOMES = """
UPDATE households h SET per_capita_income = u.per_capita_income, income_year = u.income_year, version = u.version,
       updated_at = u.updated_at
  FROM unnest($1::uuid[], $2::numeric[], $3::int[], $4::int[], $5::timestamptz[])
       AS u(id, per_capita_income, income_year, version, updated_at)
 WHERE h.id = u.id
"""


async def record_incomes(session: AsyncSession, batch: IncomeBatch) -> None:
    """The batch's assessments and history rows copied in, its households updated in one statement (the events
    are the unit of work's: ``publish_all``), in the transaction ``lock_for_incomes`` began."""
    if not batch.assessments:
        return
    con = await driver_connection(session)
    await con.copy_records_to_table("income_assessments", columns=_ASSESSMENT,
                                    records=[tuple(getattr(a, c) for c in _ASSESSMENT) for a in batch.assessments])
    households = list(batch.households.values())
    await con.execute(UPDATE_INCOMES, *([getattr(h, c) for h in households]
                                        for c in ("id", "per_capita_income", "income_year", "version", "updated_at")))
    await con.copy_records_to_table("change_history", columns=_HISTORY, records=[
        tuple(json.dumps(r[c], ensure_ascii=False) if c in ("old_value", "new_value") else r[c] for c in _HISTORY)
        for r in batch.history])
