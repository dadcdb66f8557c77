"""Queries of the re-screen after a line change (``domain.rescreen``): the area's households under the new
line with the open case each has, and set-based writes of what the rules decided — one statement per
table, however many households.

``under_line`` only narrows the candidates with the line; ``domain.rules.income_below_line`` decides."""

import json
import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Row, text
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models import CaseStep, Signal
from monitoring.models.cases import OPEN_STAGES_SQL
from monitoring.models.policies import IN_FORCE_SQL

UNDER_LINE = text(f"""
SELECT h.household_id, h.village_code, h.per_capita_income, h.income_year, h.main_cause,
       oc.id AS open_case_id, oc.stage AS open_stage, oc.risk_types AS open_risk_types,
       oc.village_code AS open_village_code,
       ARRAY(SELECT s.fact_key FROM signals s WHERE s.household_id = h.household_id AND s.rule = :rule) AS signalled
  FROM household_facts h
  LEFT JOIN cases oc ON oc.household_id = h.household_id AND oc.{OPEN_STAGES_SQL}
 WHERE h.village_code LIKE :scope || '%' AND h.per_capita_income < :line
   AND {IN_FORCE_SQL}
 ORDER BY h.household_id
""")

INSERT_SIGNALS = text("""
INSERT INTO signals (id, household_id, village_code, risk_type, rule, fact_key, facts, source, case_id,
                     actor_user_id, actor_role, created_at)
SELECT id, household_id, village_code, risk_type, rule, fact_key, facts::jsonb, source, case_id,
       actor_user_id, actor_role, created_at
  FROM unnest(CAST(:id AS uuid[]), CAST(:household_id AS uuid[]), CAST(:village_code AS text[]),
              CAST(:risk_type AS text[]), CAST(:rule AS text[]), CAST(:fact_key AS text[]), CAST(:facts AS text[]),
              CAST(:source AS text[]), CAST(:case_id AS uuid[]), CAST(:actor_user_id AS text[]),
              CAST(:actor_role AS text[]), CAST(:created_at AS timestamptz[]))
       AS s(id, household_id, village_code, risk_type, rule, fact_key, facts, source, case_id, actor_user_id,
            actor_role, created_at)
ON CONFLICT ON CONSTRAINT uq_signals_fact DO NOTHING
RETURNING id
""")

INSERT_STEPS = text("""
INSERT INTO case_steps (id, case_id, action, from_stage, to_stage, actor_user_id, actor_role, note, data, at)
SELECT id, case_id, action, from_stage, to_stage, actor_user_id, actor_role, note, data::jsonb, at
  FROM unnest(CAST(:id AS uuid[]), CAST(:case_id AS uuid[]), CAST(:action AS text[]), CAST(:from_stage AS text[]),
              CAST(:to_stage AS text[]), CAST(:actor_user_id AS text[]), CAST(:actor_role AS text[]),
              CAST(:note AS text[]), CAST(:data AS text[]), CAST(:at AS timestamptz[]))
       AS s(id, case_id, action, from_stage, to_stage, actor_user_id, actor_role, note, data, at)
""")

#: new cases as a signal opens them (array columns travel as JSON lists: arrays of unequal length do not unnest)
INSERT_CASES = text("""
INSERT INTO cases (id, household_id, village_code, stage, risk_types, gaps, source, opened_at, decision_due_at,
                   due_step, due_at, next_due_at, version, updated_at)
SELECT id, household_id, village_code, stage, ARRAY(SELECT jsonb_array_elements_text(risk_types::jsonb)),
       ARRAY(SELECT jsonb_array_elements_text(gaps::jsonb)), source, opened_at, decision_due_at, due_step, due_at,
       next_due_at, version, updated_at
  FROM unnest(CAST(:id AS uuid[]), CAST(:household_id AS uuid[]), CAST(:village_code AS text[]),
              CAST(:stage AS text[]), CAST(:risk_types AS text[]), CAST(:gaps AS text[]), CAST(:source AS text[]),
              CAST(:opened_at AS timestamptz[]), CAST(:decision_due_at AS timestamptz[]), CAST(:due_step AS text[]),
              CAST(:due_at AS timestamptz[]), CAST(:next_due_at AS timestamptz[]), CAST(:version AS int[]),
              CAST(:updated_at AS timestamptz[]))
       AS c(id, household_id, village_code, stage, risk_types, gaps, source, opened_at, decision_due_at, due_step,
            due_at, next_due_at, version, updated_at)
""")
CASE_COLUMNS = ("id", "household_id", "village_code", "stage", "risk_types", "gaps", "source", "opened_at",
                "decision_due_at", "due_step", "due_at", "next_due_at", "version", "updated_at")

#: joined cases get their merged risk types (each a JSON list: arrays of unequal length do not unnest) and a
#: version for each signal that joined
JOIN_CASES = text("""
UPDATE cases c SET risk_types = ARRAY(SELECT jsonb_array_elements_text(u.risk_types::jsonb)),
       version = c.version + u.joins, updated_at = :now
  FROM unnest(CAST(:id AS uuid[]), CAST(:risk_types AS text[]), CAST(:joins AS int[])) AS u(id, risk_types, joins)
 WHERE c.id = u.id
""")


def _columns(rows: list[dict], names: tuple[str, ...], as_json: tuple[str, ...] = ()) -> dict[str, list]:
    return {n: [json.dumps(r[n]) if n in as_json else r[n] for r in rows] for n in names}


async def lock_signals_and_cases(session: AsyncSession) -> None:
    """New cases must not race an event handler opening one for the same household; signals first, then
    cases: the order a handler takes them in, so the two wait for each other, never deadlock."""
    await session.execute(text("LOCK TABLE signals, cases IN SHARE ROW EXCLUSIVE MODE"))


async def under_line(session: AsyncSession, *, scope: str, line: Decimal, year: int, current_year: int,
                     rule: str) -> list[Row]:
    """(household_id, village_code, per_capita_income, income_year, main_cause, open_case_id, open_stage,
    open_risk_types, signalled: the fact keys ``rule`` already recorded for it) of the households under
    ``scope`` whose income is under ``line`` and screened by the (year, scope) row."""
    return list((await session.execute(UNDER_LINE, {
        "scope": scope, "line": line, "year": year, "current_year": current_year, "rule": rule})).all())


async def insert_signals(session: AsyncSession, rows: list[dict]) -> set[uuid.UUID]:
    """Insert the signals whose fact is new; returns their ids (the rest were recorded before)."""
    if not rows:
        return set()
    names = tuple(c.name for c in Signal.__table__.columns)
    inserted = await session.execute(INSERT_SIGNALS, _columns(rows, names, as_json=("facts",)))
    return {row[0] for row in inserted}


async def insert_cases(session: AsyncSession, cases: list[dict]) -> None:
    """New cases, given as their columns (no ORM object each: a re-screen opens tens of thousands)."""
    if cases:
        await session.execute(INSERT_CASES, _columns(cases, CASE_COLUMNS, as_json=("risk_types", "gaps")))


async def join_cases(session: AsyncSession, joined: dict[uuid.UUID, tuple[list[str], int]], now: datetime) -> None:
    """Cases signals joined (case id → (risk types as merged, how many signals joined)): the merged risk types,
    and a version more for each signal."""
    if joined:
        await session.execute(JOIN_CASES, {"id": list(joined), "now": now,
                                           "risk_types": [json.dumps(t) for t, _ in joined.values()],
                                           "joins": [n for _, n in joined.values()]})


async def insert_steps(session: AsyncSession, steps: list[dict]) -> None:
    if steps:
        names = tuple(c.name for c in CaseStep.__table__.columns)
        await session.execute(INSERT_STEPS, _columns(steps, names, as_json=("data",)))
