"""Queries on a household's records (the file itself is read in one statement: repository/files.py).

The income assessment is the registry's busiest write (a collection day, a department's feed): two statements
instead of the ORM's six round trips — the household locked with its latest assessment, then one data-modifying
statement writing the assessment, the household's new income and version, the history rows and the event's
outbox row (bench/RESULTS.md, issue 18). The domain (domain/income.py) decides every value, the unit of work
builds the event's row.

The write statement changes the household only at the version its first statement read, and writes nothing
else unless it did: so a hot route (api/hot.py) runs both without a transaction, the read locking nothing and
the write committing alone — BEGIN and COMMIT were two of its five round trips — and a writer that came between
the two is noticed (``Overtaken``) instead of overwritten. In a transaction the first statement locks the
household until commit and the check always passes.
"""

import functools
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import orjson
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common import bulk
from backstop_common.columns import utc_now
from backstop_common.db import DriverSession, driver_connection, transaction_connection
from backstop_common.uow import OUTBOX_COLUMNS, STAGE_MANY

from registry.models import Household


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
    #: the version as read, before the domain moves ``version`` on: the write statement's condition
    read_version: int = field(init=False)

    def __post_init__(self):
        self.read_version = self.version


class Overtaken(Exception):
    """Another writer changed the household between the read and the write statement: nothing was written."""


@dataclass(frozen=True)
class LatestIncome:
    year: int
    per_capita_income: Decimal


@dataclass
class NewIncomeAssessment:
    """An income assessment as the write statements take it (``_ASSESSMENT``'s columns). Not the ORM model: no
    session ever holds it, and a SQLModel table instance took ~0.2 ms of CPU to build (its fields' default
    factories inspected on each), a tenth of the registry's CPU per write at 200/s (bench/RESULTS.md)."""

    household_id: uuid.UUID
    year: int
    wage: Decimal
    business: Decimal
    business_costs: Decimal
    property: Decimal
    transfer: Decimal
    net_income: Decimal
    size: int
    per_capita_income: Decimal
    assessed_by: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    created_at: datetime = field(default_factory=utc_now)


LOCK_FOR_INCOME = """
SELECT h.id, h.village_code, h.size, h.income_year, h.per_capita_income, h.version,
       l.year AS latest_year, l.per_capita_income AS latest_per_capita_income
  FROM households h
  LEFT JOIN LATERAL (SELECT a.year, a.per_capita_income FROM income_assessments a WHERE a.household_id = h.id
                      ORDER BY a.year DESC, a.created_at DESC LIMIT 1) l ON true
 WHERE h.id = $1
   FOR UPDATE OF h
"""


#: ``LOCK_FOR_INCOME`` for a read that commits alone (``_locks``)
READ_FOR_INCOME = LOCK_FOR_INCOME.replace("FOR UPDATE OF h", "")


def _locks(session: AsyncSession | DriverSession) -> bool:
    """A session in a transaction locks what it reads until its commit. A hot route's, without one, only reads:
    a lock taken alone would be a transaction of its own — the row locked, a commit and its WAL flush — and
    gone at once; the write statement checks the version read instead (``appending``)."""
    return not isinstance(session, DriverSession) or session.open


async def lock_for_income(session: AsyncSession | DriverSession, household_id: uuid.UUID
                          ) -> tuple[IncomeHousehold, LatestIncome | None] | None:
    """The household locked (a concurrent writer waits, then sees the new version) and its latest assessment;
    only read for a hot route (``_locks``)."""
    con = await transaction_connection(session)  # the transaction begun first, so the lock holds until commit
    row = await con.fetchrow(LOCK_FOR_INCOME if _locks(session) else READ_FOR_INCOME, household_id)
    return None if row is None else _income_household(row)


def _income_household(row) -> tuple[IncomeHousehold, LatestIncome | None]:
    household = IncomeHousehold(row["id"], row["village_code"], row["size"], row["income_year"],
                                row["per_capita_income"], row["version"])
    latest = None if row["latest_year"] is None else LatestIncome(row["latest_year"], row["latest_per_capita_income"])
    return household, latest


_HISTORY = ("household_id", "entity", "entity_id", "action", "field", "old_value", "new_value", "actor", "actor_role",
            "version", "changed_at")
_ASSESSMENT = ("id", "household_id", "year", "wage", "business", "business_costs", "property", "transfer", "net_income",
               "size", "per_capita_income", "assessed_by", "created_at")
_HOUSING = ("id", "household_id", "grade", "assessed_on", "note", "source", "assessed_by", "created_at")


def inserting_history(parameter: int, where: str = "") -> str:
    """The change-history rows of one write, given as one JSON array (``history_json``) in ``$parameter``, in order
    (only ``where`` it holds, if given)."""
    return f"""
  INSERT INTO change_history ({", ".join(_HISTORY)})
  SELECT r.household_id, r.entity, r.entity_id, r.action, r.field, r.old_value::jsonb, r.new_value::jsonb,
         r.actor, r.actor_role, r.version, r.changed_at
    FROM ROWS FROM (jsonb_to_recordset(${parameter}::jsonb)
                    AS (household_id uuid, entity text, entity_id uuid, action text, field text, old_value text,
                        new_value text, actor text, actor_role text, version int, changed_at timestamptz))
         WITH ORDINALITY AS r(household_id, entity, entity_id, action, field, old_value, new_value, actor,
                              actor_role, version, changed_at, n)
  {where}
   ORDER BY r.n
  RETURNING 1"""


@functools.lru_cache(maxsize=16)
def appending(table: str, columns: tuple[str, ...], household_columns: tuple[str, ...]) -> str:
    """One data-modifying statement for a write that appends a record to a household's file: the household's
    ``household_columns`` with ``version`` and ``updated_at`` — if it is still at the version read (the last
    parameter) — and then the record's row ($1… in ``columns`` order), the history rows (one JSON array) and the
    event's outbox row (``OUTBOX_COLUMNS``). It answers how many households it changed: 1, or 0 and nothing
    written."""
    n = len(columns)
    sets = [*household_columns, "version", "updated_at"]
    history = n + len(sets) + 1
    outbox = [f"${history + i}" for i in range(1, len(OUTBOX_COLUMNS) + 1)]
    outbox[-1] += "::jsonb"  # data
    changed = "WHERE EXISTS (SELECT FROM household)"  # evaluated after the update, so its row lock is held
    return f"""
WITH household AS (
  UPDATE households SET {", ".join(f"{c} = ${n + 1 + i}" for i, c in enumerate(sets))}
   WHERE id = $2 AND version = ${history + len(OUTBOX_COLUMNS) + 1} RETURNING 1),
added AS (
  INSERT INTO {table} ({", ".join(columns)}) SELECT {", ".join(f"${i}" for i in range(1, n + 1))} {changed}),
history AS ({inserting_history(history, changed)}),
outbox AS (
  INSERT INTO outbox ({", ".join(OUTBOX_COLUMNS)}, attempts) SELECT {", ".join(outbox)}, 0 {changed})
SELECT count(*) FROM household
"""


def history_json(rows: list[dict[str, Any]], changed_at: datetime | None = None) -> str:
    """The rows as one JSON array; each old/new value as its JSON text (None is JSON null, as the ORM writes it),
    each row changed at ``changed_at`` — or, None, at its own (``stamped``).
    orjson: a fifth of json's time for these rows; ids (asyncpg's too: ``default``) written as ``str`` writes them."""
    return orjson.dumps([{**{k: r[k] for k in _HISTORY[:-1] if k not in ("old_value", "new_value")},
                          "old_value": orjson.dumps(r["old_value"]).decode(),
                          "new_value": orjson.dumps(r["new_value"]).decode(),
                          "changed_at": (changed_at or r["changed_at"]).isoformat()} for r in rows],
                        default=str).decode()


async def append_record(session: AsyncSession | DriverSession, table: str, record: Any, columns: tuple[str, ...],
                        household: Any, household_columns: tuple[str, ...], history: list[dict[str, Any]],
                        outbox: dict[str, Any]) -> None:
    """Write ``record`` (its ``columns``), the household's ``household_columns`` and new version, the history rows
    and the event's outbox row (``uow.publish_row``): one statement, in the transaction the lock began or alone
    (``Overtaken`` if the household is no longer at the version read; nothing is written then)."""
    await session.flush()  # an event staged earlier in this transaction keeps its place before this one
    con = await driver_connection(session)
    changed = await con.fetchval(
        appending(table, columns, household_columns), *(getattr(record, c) for c in columns),
        *(getattr(household, c) for c in household_columns), household.version, household.updated_at,
        history_json(history, record.created_at), *(outbox[c] for c in OUTBOX_COLUMNS), household.read_version)
    if not changed:
        raise Overtaken(household.id)


_WATER = ("id", "household_id", "safe_water", "assessed_on", "note", "assessed_by", "created_at")
_DISASTER = ("id", "household_id", "disaster_type", "loss_amount", "occurred_on", "description", "reported_by",
             "created_at")
#: what each appending write reads and changes of the household: (its record's table and columns, the household's)
APPENDS = {
    "income": ("income_assessments", _ASSESSMENT, ("per_capita_income", "income_year")),
    "housing": ("housing_assessments", _HOUSING, ("housing_grade", "housing_assessed_on")),
    "water": ("water_assessments", _WATER, ("safe_water", "water_assessed_on")),
    "disaster": ("disasters", _DISASTER, ()),
}


async def record(session: AsyncSession | DriverSession, kind: str, row: Any, household: Any,
                 history: list[dict[str, Any]], outbox: dict[str, Any]) -> None:
    """``append_record`` for an income assessment, a housing appraisal, a water check or a disaster (``APPENDS``)."""
    table, columns, household_columns = APPENDS[kind]
    await append_record(session, table, row, columns, household, household_columns, history, outbox)


@functools.lru_cache(maxsize=8)
def _locking(kind: str, lock: bool = True):
    fields = ("id", "village_code", "version", *APPENDS[kind][2])
    return f"SELECT {', '.join(fields)} FROM households WHERE id = $1{' FOR UPDATE' if lock else ''}"


async def lock_household(session: AsyncSession | DriverSession, kind: str, household_id: uuid.UUID
                         ) -> SimpleNamespace | None:
    """The household's facts a ``kind`` of write reads, locked as ``lock_for_income`` locks; a namespace the
    domain changes as it would the ORM household."""
    row = await (await transaction_connection(session)).fetchrow(_locking(kind, _locks(session)), household_id)
    return None if row is None else SimpleNamespace(**dict(row), updated_at=None, read_version=row["version"])


#: ``LOCK_FOR_INCOME`` for many households, locked in id order
LOCK_FOR_INCOMES = LOCK_FOR_INCOME.replace(" WHERE h.id = $1\n", " WHERE h.id = ANY($1::uuid[])\n ORDER BY h.id\n")


async def lock_for_incomes(session: AsyncSession, household_ids: list[uuid.UUID]
                           ) -> dict[uuid.UUID, tuple[IncomeHousehold, LatestIncome | None]]:
    """``lock_for_income`` for a batch's households in one statement, locked in id order (two batches sharing
    households wait for each other instead of deadlocking); an unknown id is absent."""
    rows = await (await transaction_connection(session)).fetch(LOCK_FOR_INCOMES, sorted(set(household_ids)))
    return {r["id"]: _income_household(r) for r in rows}


@dataclass
class RecordBatch:
    """What a set-based write (an income batch, an appraisal feed) writes: the records, each household's last
    state, the history rows (each stamped with its record's ``created_at``, as the ORM stamps a row when it is
    made) and the events, in the batch's order."""

    records: list[Any] = field(default_factory=list)
    households: dict[uuid.UUID, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)

    def add(self, record: Any, household: Any, history: list[dict[str, Any]], events: list[Any]) -> None:
        self.records.append(record)
        self.households[household.id] = household
        self.history += stamped(history, record.created_at)
        self.events += events


def stamped(history: list[dict[str, Any]], changed_at: datetime) -> list[dict[str, Any]]:
    return [{**row, "changed_at": changed_at} for row in history]


async def update_households(con, households: list[Any], columns: tuple[str, ...]) -> None:
    """One statement setting ``columns`` of many households, by id (``backstop_common.bulk``)."""
    columns, table = ("id", *columns), Household.__table__
    await con.execute(*bulk.for_driver(bulk.update(table, columns), bulk.arrays(table, households, columns)))


async def copy_history(con, history: list[dict[str, Any]]) -> None:
    """The history rows (``stamped``) copied in, in order; each old/new value as its JSON text (orjson, as
    ``history_json``: an eighth of json's time for these values)."""
    await con.copy_records_to_table("change_history", columns=_HISTORY, records=[
        tuple(orjson.dumps(r[c]).decode() if c in ("old_value", "new_value") else r[c] for c in _HISTORY)
        for r in history])


#: a batch of at most this many records is written in one statement (``_in_one``); a larger one by COPY, whose
#: two round trips a table cost less than the arrays' unnest once the rows are many (the batch route's 2,000)
IN_ONE_STATEMENT_MOST = 100


async def record_batch(session: AsyncSession | DriverSession, kind: str, batch: RecordBatch,
                       outbox: dict[str, Any] | None = None) -> None:
    """The batch's records of a ``kind`` (``APPENDS``) copied in, its households updated in one statement, its
    history rows copied in and — given ``outbox`` (``uow.publish_rows``) — its events' outbox rows inserted (else
    they are the unit of work's: ``publish_all``), in the transaction the batch's lock began (``lock_for_incomes``,
    ``feeds.lock_holders``). A few records (``IN_ONE_STATEMENT_MOST``: income writes gathered by the hot route,
    ``hot.Gathered``) are written by one statement instead — four round trips were most of such a group's cost."""
    if not batch.records:
        return
    table, columns, household_columns = APPENDS[kind]
    con = await driver_connection(session)
    if outbox is not None:
        await session.flush()  # an event staged earlier in this transaction keeps its place before these
    if len(batch.records) <= IN_ONE_STATEMENT_MOST:
        await con.execute(*_in_one(kind, batch, outbox))
        return
    if outbox is not None:
        await con.execute(*bulk.for_driver(STAGE_MANY, outbox))
    await con.copy_records_to_table(table, columns=columns,
                                    records=[tuple(getattr(r, c) for c in columns) for r in batch.records])
    await update_households(con, list(batch.households.values()), (*household_columns, "version", "updated_at"))
    await copy_history(con, batch.history)


def _in_one(kind: str, batch: RecordBatch, outbox: dict[str, Any] | None) -> tuple:
    """``record_batch``'s writes as one data-modifying statement: the events' outbox rows first (their order kept),
    the records, the households and the history rows, each a CTE of its own."""
    name, columns, household_columns = APPENDS[kind]
    table = Household.metadata.tables[name]  # the record's table, as its model declares it
    changed = ("id", *household_columns, "version", "updated_at")
    parts = [bulk.for_driver(STAGE_MANY, outbox)] if outbox is not None else []
    parts += [bulk.for_driver(bulk.insert(table, columns), bulk.arrays(table, batch.records, columns)),
              bulk.for_driver(bulk.update(Household.__table__, changed),
                              bulk.arrays(Household.__table__, list(batch.households.values()), changed)),
              (inserting_history(1), history_json(batch.history))]
    return _chained(tuple(text for text, *_ in parts)), *(value for _, *values in parts for value in values)


_PARAMETER = re.compile(r"\$(\d+)")


@functools.lru_cache(maxsize=16)
def _chained(statements: tuple[str, ...]) -> str:
    """Data-modifying statements as one: each a CTE, its parameters numbered on from the statement before."""
    parts, before = [], 0
    for at, statement in enumerate(statements):
        parts.append(f"w{at} AS ({_PARAMETER.sub(lambda found: f'${int(found[1]) + before}', statement)})")
        before += max((int(n) for n in _PARAMETER.findall(statement)), default=0)
    return f"WITH {', '.join(parts)}\nSELECT 1"
