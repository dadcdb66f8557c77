"""Queries of the re-screen after a line change (``domain.rescreen``): the area's households under the new
line not yet signalled for their income kept in a temporary table, then their signals, cases, history lines
and events one statement each, however many households; the pending re-screens of a line set above a county
(a row a county, ``rescreen_pending``); and the set-based writes of ``signals.record_many`` (a batch of
registry events)."""

import json
import re
import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, NamedTuple

from sqlalchemy import Row, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common import driver
from backstop_common.uow import OUTBOX_COLUMNS, STAGE_MANY_SQL

from monitoring.models import CaseStep, Policy, Signal
from monitoring.models.cases import OPEN_STAGES_SQL
from monitoring.models.policies import IN_FORCE_SQL

#: a batch's signals (``signals.record_many``), each on its household's open case — read and locked here, in id
#: order, before any signal is written (the insert's ``ORDER BY`` reads the whole join first), as ``record_signal``
#: takes them — or on the new case it names (the new cases are written later, ``cases_steps_events``); a
#: signal whose fact was recorded before is not written. Answers each written signal with its household and the
#: open case it joined (NULLs: it opens its own). One statement: the open cases' read and the signals' insert were
#: two round trips of every turn of a stream
SIGNALS_ON_OPEN_CASES = text(f"""
WITH open AS (
  SELECT c.id, c.household_id, c.village_code, c.stage, c.risk_types FROM cases c
    JOIN unnest(CAST(:households AS uuid[])) AS k(household_id) ON c.household_id = k.household_id
   WHERE c.{OPEN_STAGES_SQL}
   ORDER BY c.id FOR UPDATE OF c
), written AS (
  INSERT INTO signals (id, household_id, village_code, risk_type, rule, fact_key, facts, source, case_id,
                       actor_user_id, actor_role, created_at)
  SELECT s.id, s.household_id, s.village_code, s.risk_type, s.rule, s.fact_key, s.facts::jsonb, s.source,
         coalesce(o.id, s.case_id), s.actor_user_id, s.actor_role, s.created_at
    FROM unnest(CAST(:id AS uuid[]), CAST(:household_id AS uuid[]), CAST(:village_code AS text[]),
                CAST(:risk_type AS text[]), CAST(:rule AS text[]), CAST(:fact_key AS text[]), CAST(:facts AS text[]),
                CAST(:source AS text[]), CAST(:case_id AS uuid[]), CAST(:actor_user_id AS text[]),
                CAST(:actor_role AS text[]), CAST(:created_at AS timestamptz[])) WITH ORDINALITY
         AS s(id, household_id, village_code, risk_type, rule, fact_key, facts, source, case_id, actor_user_id,
              actor_role, created_at, n)
    LEFT JOIN open o ON o.household_id = s.household_id
   ORDER BY s.n
  ON CONFLICT ON CONSTRAINT uq_signals_fact DO NOTHING
  RETURNING id, household_id
)
SELECT w.id, w.household_id, o.id AS case_id, o.village_code, o.stage, o.risk_types FROM written w
  LEFT JOIN open o ON o.household_id = w.household_id
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


#: the households under the line, each with its income fact, kept for the statements below when that fact is not
#: signalled yet, with the open case it has; answers (under the line, kept). The rule's risk type comes as a
#: table of its answers (``causes`` → ``risk_types``, ``other`` for the rest); the fact key and facts are
#: ``rules.income_fact_key`` and ``rules._income_facts`` in SQL (tests/core/test_rescreen_parity.py holds them
#: to the per-event path, byte for byte). The signal and the open case are looked up household by household
#: (``LATERAL … LIMIT 1``: an index probe each) and the open case only for the households kept: joined by hash,
#: a county's statement read every signal and open case of the province (508,702 and 424,109 rows at 2,000,000
#: households, ten times over for ten counties; bench/RESULTS.md, session 8). The households come in their id's
#: order, so the probes and the inserts after (each table's household index) walk their indexes once instead
#: of a page at random each; and the new cases, signals, history lines and events get time-ordered ids
#: (``uuidv7()``), so their primary keys (and the signals' and history lines' case index) grow at one end. Random
#: (version 4) ids put every insert on another page of indexes larger than the cache: at 2,000,000 households
#: the raise wrote 49,000 full pages to the WAL and PostgreSQL spent 27–29 CPU s, 21,000 and 22 s with these
#: (bench/RESULTS.md, session 19)
STAGE_FRESH = text(f"""
WITH below AS MATERIALIZED (
  SELECT h.household_id, h.village_code, h.per_capita_income, h.income_year, h.main_cause,
         coalesce(h.income_year::text, '?') || ':' || round(h.per_capita_income, 2)::text AS fact_key
    FROM household_facts h
   WHERE h.village_code LIKE :area || '%' AND h.per_capita_income < :line
     AND {IN_FORCE_SQL}
   ORDER BY h.household_id
), fresh AS MATERIALIZED (
  SELECT b.* FROM below b
    LEFT JOIN LATERAL (SELECT 1 AS seen FROM signals s
                        WHERE s.household_id = b.household_id AND s.rule = :rule AND s.fact_key = b.fact_key
                        LIMIT 1) sg ON true
   WHERE sg.seen IS NULL
), kept AS (
  INSERT INTO rescreen_fresh (household_id, village_code, risk_type, fact_key, facts, open_case_id, open_stage,
                              open_risk_types, open_village_code, case_id)
  SELECT f.household_id, f.village_code, coalesce(rt.risk_type, :other), f.fact_key,
         jsonb_build_object('per_capita_income', f.per_capita_income::text, 'income_line', CAST(:line_text AS text),
                            'year', f.income_year),
         oc.id, oc.stage, oc.risk_types, oc.village_code, coalesce(oc.id, uuidv7())
    FROM fresh f
    LEFT JOIN LATERAL (SELECT c.id, c.stage, c.risk_types, c.village_code FROM cases c
                        WHERE c.household_id = f.household_id AND c.{OPEN_STAGES_SQL} LIMIT 1) oc ON true
    LEFT JOIN unnest(CAST(:causes AS text[]), CAST(:risk_types AS text[])) AS rt(cause, risk_type)
           ON rt.cause = f.main_cause
  RETURNING 1
)
SELECT (SELECT count(*) FROM below), (SELECT count(*) FROM kept)
""")
FRESH_TABLE = text("""
CREATE TEMPORARY TABLE rescreen_fresh (
  household_id uuid PRIMARY KEY, village_code text, risk_type text, fact_key text, facts jsonb,
  open_case_id uuid, open_stage text, open_risk_types text[], open_village_code text,
  case_id uuid, signal_id uuid DEFAULT uuidv7()
) ON COMMIT DROP
""")
#: the open cases the kept households join, locked (in id order, as handlers lock them) and read again: a
#: county's re-screen does not lock the tables, so an event handler may have changed one since the households
#: were kept (its stage and risk types are then the ones written) or closed it (it is not answered: ``RACED``)
JOINING = text(f"""
WITH locked AS (
  SELECT c.id, c.stage, c.risk_types, c.village_code FROM cases c
   WHERE c.id IN (SELECT open_case_id FROM rescreen_fresh) AND c.{OPEN_STAGES_SQL}
   ORDER BY c.id FOR UPDATE
)
UPDATE rescreen_fresh f SET open_stage = l.stage, open_risk_types = l.risk_types, open_village_code = l.village_code
  FROM locked l WHERE f.open_case_id = l.id
RETURNING f.open_case_id, f.open_risk_types, f.risk_type
""")
#: the kept households' open cases, as kept: more than ``JOINING`` answers when one was closed meanwhile
TO_JOIN = text("SELECT count(*) FROM rescreen_fresh WHERE open_case_id IS NOT NULL")
RECORD_SIGNALS = text("""
INSERT INTO signals (id, household_id, village_code, risk_type, rule, fact_key, facts, source, case_id, created_at)
SELECT signal_id, household_id, village_code, risk_type, :rule, fact_key, facts, :source, case_id, :now
  FROM rescreen_fresh
""")
OPEN_CASES = text("""
INSERT INTO cases (id, household_id, village_code, stage, risk_types, gaps, source, opened_at, decision_due_at,
                   due_step, due_at, next_due_at, version, updated_at)
SELECT case_id, household_id, village_code, :stage, ARRAY[risk_type], CAST(:gaps AS text[]), :source, :opened_at,
       :decision_due_at, :due_step, :due_at, :next_due_at, :version, :updated_at
  FROM rescreen_fresh WHERE open_case_id IS NULL
 ORDER BY household_id
""")
#: a case's history line for its signal: ``open`` when the signal opened it, ``signal`` when it joined
RECORD_STEPS = text("""
INSERT INTO case_steps (id, case_id, action, from_stage, to_stage, note, data, at)
SELECT uuidv7(), case_id, CASE WHEN open_case_id IS NULL THEN 'open' ELSE 'signal' END, open_stage,
       coalesce(open_stage, CAST(:opened_stage AS text)), :rule,
       jsonb_build_object('signal_id', signal_id::text, 'risk_type', risk_type, 'source', CAST(:source AS text)), :now
  FROM rescreen_fresh
""")
#: ``case.opened`` (a signal that opened its case), then ``risk.detected``, a household after the other (read in
#: the staging table's key order: sorting the two rows a household was a sort spilled to disk): each payload is
#: its event model's dump of the constant fields (``opened`` / ``detected``) and the row's own
STAGE_EVENTS = text(f"""
INSERT INTO outbox ({", ".join(OUTBOX_COLUMNS)}, attempts)
SELECT uuidv7(), :topic, f.case_id::text, e.type, :event_source, f.case_id::text, e.area_code,
       :correlation_id, :time, e.data, 0
  FROM rescreen_fresh f
 CROSS JOIN LATERAL (
        SELECT 1 AS n, CAST(:opened_type AS text) AS type, f.village_code AS area_code,
               CAST(:opened AS jsonb) || jsonb_build_object(
                 'case_id', f.case_id, 'household_id', f.household_id, 'village_code', f.village_code,
                 'risk_types', jsonb_build_array(f.risk_type)) AS data
         WHERE f.open_case_id IS NULL
        UNION ALL
        SELECT 2, CAST(:detected_type AS text), coalesce(f.open_village_code, f.village_code),
               CAST(:detected AS jsonb) || jsonb_build_object(
                 'case_id', f.case_id, 'household_id', f.household_id,
                 'village_code', coalesce(f.open_village_code, f.village_code), 'signal_id', f.signal_id,
                 'risk_type', f.risk_type, 'facts', f.facts)) AS e
 ORDER BY f.household_id, e.n
""")


def _columns(rows: list[dict], names: tuple[str, ...], as_json: tuple[str, ...] = ()) -> dict[str, list]:
    return {n: [json.dumps(r[n]) if n in as_json else r[n] for r in rows] for n in names}


async def lock_signals_and_cases(session: AsyncSession) -> None:
    """New cases must not race an event handler opening one for the same household; signals first, then
    cases: the order a handler takes them in, so the two wait for each other, never deadlock."""
    await session.execute(text("LOCK TABLE signals, cases IN SHARE ROW EXCLUSIVE MODE"))


async def insert_signals(session: AsyncSession, rows: list[dict]) -> tuple[set[uuid.UUID], dict[uuid.UUID, Mapping]]:
    """Insert the signals whose fact is new, each on its household's open case or, without one, on the case its
    row names (``SIGNALS_ON_OPEN_CASES``, on the driver's connection). Returns their ids (the rest were recorded
    before) and, by household, the open case a new signal joined (``case_id``, ``village_code``, ``stage``,
    ``risk_types`` as they were)."""
    if not rows:
        return set(), {}
    names = tuple(c.name for c in Signal.__table__.columns)
    params = _columns(rows, names, as_json=("facts",)) | {"households": list({r["household_id"] for r in rows})}
    written = await driver.fetch(session, SIGNALS_ON_OPEN_CASES, params)
    return {w["id"] for w in written}, {w["household_id"]: w for w in written if w["case_id"] is not None}


async def join_cases(session: AsyncSession, joined: dict[uuid.UUID, tuple[list[str], int]], now: datetime) -> None:
    """Cases signals joined (case id → (risk types as merged, how many signals joined)): the merged risk types,
    and a version more for each signal."""
    if joined:
        await session.execute(JOIN_CASES, {"id": list(joined), "now": now,
                                           "risk_types": [json.dumps(t) for t, _ in joined.values()],
                                           "joins": [n for _, n in joined.values()]})


def _prefixed(sql: str, prefix: str) -> str:
    """The statement with each bound name ``:x`` as ``:<prefix>x`` (casts ``::t`` left alone)."""
    return re.sub(r"(?<![:\w]):(\w+)", rf":{prefix}\1", sql)


#: the parts of ``cases_steps_events``: ``INSERT_CASES``, ``INSERT_STEPS`` and the kernel's outbox insert
#: (``STAGE_MANY_SQL``), each part's names prefixed
NEW_CASES = f"new_cases AS ({_prefixed(INSERT_CASES.text, 'c_')})"
NEW_STEPS = f"new_steps AS ({_prefixed(INSERT_STEPS.text, 's_')})"
NEW_EVENTS = f"new_events AS ({_prefixed(STAGE_MANY_SQL, 'o_')})"


class Writes(NamedTuple):
    """Data-modifying ``WITH`` parts and their parameters, for a statement to send with a read of its own."""

    parts: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = MappingProxyType({})  # the default shared by every empty one: read-only


def cases_steps_events(cases: list[dict], steps: list[dict], events: dict[str, list]) -> Writes:
    """New cases (their columns: no ORM object each), history lines and the outbox rows of ``events``
    (``UnitOfWork.publish_rows``): a batch's writes after its signals (``signals.record_many``), as parts of the
    turn's last statement (``signals.cluster_standings``: a stream's turn waits for each round trip). The outbox
    rows keep their ``ORDER BY n`` in a ``WITH`` part as in a statement of their own. No part when there are no
    steps (no new signal: no case, no event either)."""
    if not steps:
        return Writes()
    names = tuple(c.name for c in CaseStep.__table__.columns)
    params = {f"s_{n}": v for n, v in _columns(steps, names, as_json=("data",)).items()}
    params |= {f"o_{n}": v for n, v in events.items()}
    if not cases:
        return Writes((NEW_STEPS, NEW_EVENTS), params)
    params |= {f"c_{n}": v for n, v in _columns(cases, CASE_COLUMNS, as_json=("risk_types", "gaps")).items()}
    return Writes((NEW_CASES, NEW_STEPS, NEW_EVENTS), params)


async def stage_fresh(session: AsyncSession, *, scope: str, area: str, line: Decimal, year: int, current_year: int,
                      rule: str, causes: list[str], risk_types: list[str], other: str) -> tuple[int, int]:
    """Keep, in this transaction's ``rescreen_fresh``, the households under ``area`` (the row's ``scope``, or
    one county of it) whose income is under ``line``, screened by the (year, scope) row, and not yet signalled
    by ``rule`` for that income. Returns (households under the line, households kept)."""
    await session.execute(FRESH_TABLE)
    below, kept = (await session.execute(STAGE_FRESH, {
        "scope": scope, "area": area, "line": line, "line_text": str(line), "year": year, "current_year": current_year,
        "rule": rule, "causes": causes, "risk_types": risk_types, "other": other})).one()
    return below, kept


async def joining(session: AsyncSession) -> tuple[list[Row], int]:
    """(open case id, its risk types, the new signal's risk type) of the kept households whose case is still
    open, the cases locked; and how many kept households had one open when kept."""
    rows = list((await session.execute(JOINING)).all())
    return rows, (await session.execute(TO_JOIN)).scalar_one()


async def record_fresh(session: AsyncSession, *, rule: str, source: str, case: dict, now: datetime) -> int:
    """The kept households' signals, the cases they open (``case``: the columns every one of them shares, as
    ``signals.opened_case`` gives them) and their history lines; returns the cases opened."""
    await session.execute(RECORD_SIGNALS, {"rule": rule, "source": source, "now": now})
    opened = await session.execute(OPEN_CASES, {**case, "source": source})
    await session.execute(RECORD_STEPS, {"rule": rule, "source": source, "now": now, "opened_stage": case["stage"]})
    return opened.rowcount


async def stage_events(session: AsyncSession, events: dict) -> None:
    """The kept households' events in the outbox (``STAGE_EVENTS``' parameters), then ``rescreen_fresh`` is
    dropped."""
    await session.execute(STAGE_EVENTS, events)
    await session.execute(text("DROP TABLE rescreen_fresh"))


#: what a county's statements raise when an event handler wrote the same signal, or opened the household's case,
#: after the households were kept (the signals' fact key, the one-open-case index)
REFUSED = IntegrityError
COUNTIES = text("""
SELECT DISTINCT left(village_code, 6) FROM area_counts
 WHERE village_code LIKE :scope || '%' AND metric = 'households' AND n > 0 ORDER BY 1
""")
ADD_PENDING = text("""
INSERT INTO rescreen_pending (year, scope, county_code, since)
SELECT :year, :scope, county, :since FROM unnest(CAST(:counties AS text[])) AS county
ON CONFLICT DO NOTHING
""")
#: one county's pending re-screen, locked for this transaction; none when done or taken by another
TAKE_PENDING = text("""
SELECT county_code FROM rescreen_pending WHERE year = :year AND scope = :scope AND county_code = :county
   FOR UPDATE SKIP LOCKED
""")
PENDING = text("""
SELECT county_code FROM rescreen_pending WHERE year = :year AND scope = :scope ORDER BY county_code
""")
LEFT_PENDING = text("SELECT year, scope, county_code FROM rescreen_pending WHERE since < :before ORDER BY since, 1, 2, 3")
DONE = text("DELETE FROM rescreen_pending WHERE year = :year AND scope = :scope AND county_code = :county")


async def counties(session: AsyncSession, scope: str) -> list[str]:
    """The counties under ``scope`` that have households (from the dashboard's counters: 2,000 villages' rows
    for a province, not its millions of households)."""
    return list((await session.execute(COUNTIES, {"scope": scope})).scalars())


async def add_pending(session: AsyncSession, year: int, scope: str, counties: list[str], since: datetime) -> None:
    await session.execute(ADD_PENDING, {"year": year, "scope": scope, "counties": counties, "since": since})


async def take_pending(session: AsyncSession, year: int, scope: str, county: str) -> bool:
    return (await session.execute(TAKE_PENDING, {"year": year, "scope": scope, "county": county})).first() is not None


async def pending(session: AsyncSession, year: int, scope: str) -> list[str]:
    return list((await session.execute(PENDING, {"year": year, "scope": scope})).scalars())


async def left_pending(session: AsyncSession, before: datetime) -> list[tuple[int, str, str]]:
    """(year, scope, county) of the re-screens pending since before ``before``: left by a crash."""
    return [tuple(r) for r in (await session.execute(LEFT_PENDING, {"before": before})).all()]


async def done(session: AsyncSession, year: int, scope: str, county: str) -> None:
    await session.execute(DONE, {"year": year, "scope": scope, "county": county})


async def policy(session: AsyncSession, year: int, scope: str) -> Policy | None:
    """The (year, scope) row a pending re-screen is of."""
    return (await session.execute(select(Policy).where(Policy.year == year, Policy.scope == scope))).scalars().first()
