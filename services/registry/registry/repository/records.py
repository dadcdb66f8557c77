"""Queries on a household's records (the file itself is read in one statement: repository/files.py).

The income assessment is the registry's busiest write (a collection day, a department's feed): two statements
instead of the ORM's six round trips — the household locked with its latest assessment, then one data-modifying
statement writing the assessment, the household's new income and version, the history rows and the event's
outbox row (bench/RESULTS.md, issue 18). The domain (domain/income.py) decides every value, the unit of work
builds the event's row.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.db import driver_connection
from backstop_common.uow import OUTBOX_COLUMNS
from registry.models import IncomeAssessment


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


LOCK_FOR_INCOME = text("""
SELECT h.id, h.village_code, h.size, h.income_year, h.per_capita_income, h.version,
       l.year AS latest_year, l.per_capita_income AS latest_per_capita_income
  FROM households h
  LEFT JOIN LATERAL (SELECT a.year, a.per_capita_income FROM income_assessments a WHERE a.household_id = h.id
                      ORDER BY a.year DESC, a.created_at DESC LIMIT 1) l ON true
 WHERE h.id = :id
   FOR UPDATE OF h
""")


async def lock_for_income(session: AsyncSession, household_id: uuid.UUID
                          ) -> tuple[IncomeHousehold, LatestIncome | None] | None:
    """The household locked (a concurrent writer waits, then sees the new version) and its latest assessment."""
    # through the session, not the driver: it begins the session's transaction (SQLAlchemy begins lazily, and a
    # statement sent on the bare driver connection before that would commit alone, releasing the lock at once)
    row = (await session.execute(LOCK_FOR_INCOME, {"id": household_id})).mappings().one_or_none()
    if row is None:
        return None
    household = IncomeHousehold(row["id"], row["village_code"], row["size"], row["income_year"],
                                row["per_capita_income"], row["version"])
    latest = None if row["latest_year"] is None else LatestIncome(row["latest_year"], row["latest_per_capita_income"])
    return household, latest


_ASSESSMENT = ("id", "household_id", "year", "wage", "business", "business_costs", "property", "transfer", "net_income",
               "size", "per_capita_income", "assessed_by", "created_at")
_HISTORY = ("household_id", "entity", "entity_id", "action", "field", "old_value", "new_value", "actor", "actor_role",
            "version", "changed_at")
RECORD_INCOME = f"""
WITH assessed AS (
  INSERT INTO income_assessments ({", ".join(_ASSESSMENT)})
  VALUES ({", ".join(f"${n}" for n in range(1, len(_ASSESSMENT) + 1))}) RETURNING id),
household AS (
  UPDATE households SET per_capita_income = $14, income_year = $15, version = $16, updated_at = $17
   WHERE id = $2 RETURNING id),
history AS (
  INSERT INTO change_history ({", ".join(_HISTORY)})
  SELECT r.household_id, r.entity, r.entity_id, r.action, r.field, r.old_value::jsonb, r.new_value::jsonb,
         r.actor, r.actor_role, r.version, r.changed_at
    FROM ROWS FROM (jsonb_to_recordset($18::jsonb)
                    AS (household_id uuid, entity text, entity_id uuid, action text, field text, old_value text,
                        new_value text, actor text, actor_role text, version int, changed_at timestamptz))
         WITH ORDINALITY AS r(household_id, entity, entity_id, action, field, old_value, new_value, actor,
                              actor_role, version, changed_at, n)
   ORDER BY r.n
  RETURNING 1),
outbox AS (
  INSERT INTO outbox ({", ".join(OUTBOX_COLUMNS)}, attempts)
  VALUES ({", ".join(f"${n}" for n in range(19, 19 + len(OUTBOX_COLUMNS) - 1))}, ${18 + len(OUTBOX_COLUMNS)}::jsonb, 0)
  RETURNING 1)
SELECT (SELECT count(*) FROM assessed) + (SELECT count(*) FROM household) + (SELECT count(*) FROM history)
       + (SELECT count(*) FROM outbox)
"""


def _history_json(rows: list[dict[str, Any]], changed_at: datetime) -> str:
    """The rows as one JSON array; each old/new value as its JSON text (None is JSON null, as the ORM writes it)."""
    def value(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False)

    return json.dumps([{**{k: str(r[k]) if isinstance(r[k], uuid.UUID) else r[k] for k in _HISTORY[:-1]
                           if k not in ("old_value", "new_value")},
                        "old_value": value(r["old_value"]), "new_value": value(r["new_value"]),
                        "changed_at": changed_at.isoformat()} for r in rows], ensure_ascii=False)


async def record_income(session: AsyncSession, assessment: IncomeAssessment, household: IncomeHousehold,
                        history: list[dict[str, Any]], outbox: dict[str, Any]) -> None:
    """The assessment, the household's income and version, the history rows and the event's outbox row
    (``uow.publish_row``): one statement, in the transaction ``lock_for_income`` began."""
    await session.flush()  # an event staged earlier in this transaction keeps its place before this one
    con = await driver_connection(session)
    await con.fetchval(RECORD_INCOME, *(getattr(assessment, c) for c in _ASSESSMENT), household.per_capita_income,
                       household.income_year, household.version, household.updated_at,
                       _history_json(history, assessment.created_at), *(outbox[c] for c in OUTBOX_COLUMNS))
