"""Every query of the campaigns package, and the only place that knows monitoring's read-model columns
(household_facts, policies, cases, visits). Data checks are set-based: one statement per check over the
whole area opens the new problems, closes those the data shows fixed and records their steps; it returns
them, and the domain announces them through ``uow.publish_all`` (``publishing.publish_problems``)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.sync import Cursor, Since
from backstop_common.sync_queries import changed_after, horizon, removed_after
from monitoring.campaigns.models import ACTIVE_SQL, Answer, CheckDefinition, Problem, Target


@dataclass(frozen=True)
class Fact:
    """A fact a data check may name: the SQL condition (over ``hf``, household_facts) that FAILS it."""

    description: str
    failing_sql: str
    default_unit: str
    needs_policy: bool = False


_LINE = "COALESCE(CAST(:threshold AS numeric), pol.income_line)"
_MONITORED = "c.stage IN ('confirmed', 'elimination_proposed')"

#: the whitelist of facts a check may name (a check naming anything else is refused)
FACTS: dict[str, Fact] = {
    "dropout": Fact("a compulsory-age member out of school (失学辍学)", "hf.dropout_members > 0", "education"),
    "uninsured": Fact("a member without basic medical insurance", "hf.uninsured_members > 0", "health_insurance"),
    "unsafe_housing": Fact("housing graded C/D still lived in (危房住人)", "hf.housing_grade IN ('C', 'D')", "housing"),
    "unsafe_water": Fact("unsafe drinking water", "hf.safe_water IS FALSE", "water"),
    "income_below_line_no_dibao": Fact(
        "per-capita income under the line (check threshold, else the policy's monitoring line) without 低保/特困",
        f"hf.per_capita_income < {_LINE} AND NOT hf.dibao AND NOT hf.tekun", "civil_affairs", True),
    "income_below_line": Fact(
        "per-capita income under the line (一超过: check threshold, else the policy's monitoring line)",
        f"hf.per_capita_income < {_LINE}", "human_resources", True),
    "major_illness_uninsured": Fact("a major-illness member in a household with an uninsured member",
                                    "hf.major_illness_members > 0 AND hf.uninsured_members > 0", "health_insurance"),
    "relocated_without_support": Fact(
        "a relocated household (易地搬迁户) without follow-up support: no employment, industry or social "
        "security (低保/特困) measure given",
        "hf.relocated AND NOT hf.dibao AND NOT hf.tekun "
        "AND NOT jsonb_exists_any(hf.measures_given, ARRAY['employment', 'industry', 'dibao'])",
        "natural_resources"),
    "case_without_plan": Fact(
        "a confirmed monitoring case without an assistance plan",
        f"EXISTS (SELECT 1 FROM cases c WHERE c.household_id = hf.household_id AND {_MONITORED} "
        "AND c.planned_at IS NULL)", "poverty_office"),
    "case_without_visit_this_quarter": Fact(
        "a confirmed monitoring case without a visit (巡访) this quarter",
        f"EXISTS (SELECT 1 FROM cases c WHERE c.household_id = hf.household_id AND {_MONITORED} "
        "AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.case_id = c.id "
        "AND v.visited_on >= date_trunc('quarter', CAST(:now AS timestamptz))::date))", "village"),
}

_POLICY_JOIN = """LEFT JOIN LATERAL (
    SELECT p.income_line FROM policies p
    WHERE hf.village_code LIKE p.scope || '%' AND p.year <= CAST(:year AS int)
    ORDER BY p.year DESC, length(p.scope) DESC LIMIT 1) pol ON true"""


#: what a problem's event is built from (``publishing.problem_event``), returned by the set-based statements
_EVENT_COLUMNS = "id, campaign_id, check_code, household_id, village_code, responsible_unit, due_at, status"


def _event_rows(cte: str) -> str:
    """The rows of ``cte`` a problem's event is built from, with their check's title."""
    return f"""SELECT {", ".join(f"{cte}.{c}" for c in _EVENT_COLUMNS.split(", "))}, k.title
    FROM {cte} LEFT JOIN campaign_checks k ON k.code = {cte}.check_code"""


def _steps_insert(cte: str, action: str, from_status: str, note: str) -> str:
    return f"""INSERT INTO campaign_problem_steps (id, problem_id, action, from_status, to_status, actor_user_id,
        actor_role, note, data, at)
    SELECT gen_random_uuid(), {cte}.id, '{action}', {from_status}, {cte}.status, CAST(:actor AS text),
        CAST(:role AS text), {note}, '{{}}'::jsonb, CAST(:now AS timestamptz) FROM {cte}"""


def run_check_sql(fact: Fact) -> str:
    join = _POLICY_JOIN if fact.needs_policy else ""
    return f"""
WITH failing AS (
    SELECT hf.household_id, hf.village_code FROM household_facts hf {join}
    WHERE hf.village_code LIKE CAST(:scope AS text) || '%' AND ({fact.failing_sql})
), fixed AS (
    SELECT p.id, p.status AS old_status FROM campaign_problems p
    WHERE p.campaign_id = CAST(:cid AS uuid) AND p.check_code = CAST(:check AS text) AND p.source = 'data'
      AND p.status IN ('opened', 'in_progress', 'deferred')
      AND NOT EXISTS (SELECT 1 FROM failing f WHERE f.household_id = p.household_id)
    FOR UPDATE OF p
), closed AS (
    UPDATE campaign_problems p SET status = 'closed', closed_at = CAST(:now AS timestamptz),
        closed_reason = 'data_fixed', updated_at = CAST(:now AS timestamptz), version = p.version + 1
    FROM fixed WHERE p.id = fixed.id RETURNING p.*, fixed.old_status
), opened AS (
    INSERT INTO campaign_problems (id, campaign_id, check_code, subject_key, household_id, village_code,
        responsible_unit, status, source, due_at, opened_at, opened_by, evidence, version, updated_at)
    SELECT gen_random_uuid(), CAST(:cid AS uuid), CAST(:check AS text), f.household_id::text, f.household_id,
        f.village_code, CAST(:unit AS text), 'opened', 'data', CAST(:due AS timestamptz),
        CAST(:now AS timestamptz), CAST(:actor AS text), '[]'::jsonb, 1, CAST(:now AS timestamptz)
    FROM failing f
    ON CONFLICT (campaign_id, check_code, subject_key) WHERE status <> 'closed' DO NOTHING
    RETURNING *
), s1 AS ({_steps_insert("opened", "open", "NULL", "'data check failed'")}
), s2 AS ({_steps_insert("closed", "close", "closed.old_status", "'data shows it fixed'")}
)
SELECT true AS opened, e.* FROM ({_event_rows("opened")}) e
UNION ALL SELECT false, e.* FROM ({_event_rows("closed")}) e"""


@dataclass(frozen=True)
class CheckRun:
    """What one data check's pass changed: the problems it opened and those it closed (``_event_rows``),
    for the domain to announce."""

    opened: list[Any]
    closed: list[Any]


async def run_data_check(session: AsyncSession, *, fact: Fact, campaign_id: uuid.UUID, scope: str, check: str,
                         unit: str, due: datetime, threshold: Decimal | None, now: datetime,
                         actor: str | None, role: str | None) -> CheckRun:
    params: dict[str, Any] = dict(cid=campaign_id, scope=scope, check=check, unit=unit, due=due,
                                  now=now, actor=actor, role=role)
    sql = run_check_sql(fact)
    if ":threshold" in sql:
        params["threshold"] = threshold
    if ":year" in sql:
        params["year"] = now.year
    rows = (await session.execute(text(sql), params)).all()
    return CheckRun(opened=[r for r in rows if r.opened], closed=[r for r in rows if not r.opened])


SWEEP_SQL = f"""
WITH due AS (
    UPDATE campaign_problems p SET overdue_notified_for = p.due_at
    WHERE p.status IN ('opened', 'in_progress') AND p.due_at < CAST(:now AS timestamptz)
      AND p.overdue_notified_for IS DISTINCT FROM p.due_at
    RETURNING p.*
)
{_event_rows("due")}"""


async def overdue_problems(session: AsyncSession, now: datetime) -> list[Any]:
    """Marks the problems past their deadline and not yet announced for it (a moved deadline may fire again);
    returns them (``_event_rows``)."""
    return list((await session.execute(text(SWEEP_SQL), dict(now=now))).all())


async def household_size(session: AsyncSession, household_id: uuid.UUID) -> int | None:
    row = await session.execute(text("SELECT size FROM household_facts WHERE household_id = :h"),
                                {"h": household_id})
    return row.scalar_one_or_none()


async def household_grade(session: AsyncSession, household_id: uuid.UUID) -> str | None:
    row = await session.execute(text("SELECT housing_grade FROM household_facts WHERE household_id = :h"),
                                {"h": household_id})
    return row.scalar_one_or_none()


async def count_progress(session: AsyncSession, *, measure: str, year: int, subject_key: str, village_code: str,
                         people: int, event_id: uuid.UUID, source_type: str, now: datetime) -> bool:
    """Count one household (or member) toward a measure once; False when it already counted."""
    row = await session.execute(text("""
        INSERT INTO campaign_target_progress (measure, year, subject_key, village_code, households, people,
            source_event_id, source_type, counted_at)
        VALUES (:m, :y, :s, :v, 1, :p, :e, :t, :now) ON CONFLICT DO NOTHING RETURNING measure"""),
        dict(m=measure, y=year, s=subject_key, v=village_code, p=people, e=event_id, t=source_type, now=now))
    return row.first() is not None


_DONE = """COALESCE((SELECT SUM(CASE WHEN t.unit = 'people' THEN g.people ELSE g.households END)
    FROM campaign_target_progress g WHERE g.measure = t.measure AND g.year = t.year
      AND g.village_code LIKE t.scope || '%'), 0) AS done"""


async def targets_covering(session: AsyncSession, measure: str, year: int, village_code: str) -> list[Any]:
    """Every target (county and township parts) a new unit of progress in this village counts toward."""
    rows = await session.execute(text(f"""
        SELECT t.*, {_DONE} FROM campaign_targets t
        WHERE t.measure = :m AND t.year = :y AND CAST(:v AS text) LIKE t.scope || '%'"""),
        dict(m=measure, y=year, v=village_code))
    return list(rows)


async def board_rows(session: AsyncSession, area_code: str, year: int) -> list[Any]:
    """The area's own targets and their township (or lower) parts, each with its counted progress."""
    rows = await session.execute(text(f"""
        SELECT t.*, {_DONE} FROM campaign_targets t
        WHERE t.year = :y AND (t.area_code = :a OR t.parent_id IN (
            SELECT id FROM campaign_targets WHERE area_code = :a AND year = :y))
        ORDER BY t.measure, t.parent_id NULLS FIRST, t.area_code"""), dict(a=area_code, y=year))
    return list(rows)


async def sum_of_parts(session: AsyncSession, parent_id: uuid.UUID, except_areas: list[str]) -> int:
    row = await session.execute(text("""
        SELECT COALESCE(SUM(target), 0) FROM campaign_targets
        WHERE parent_id = :p AND NOT (area_code = ANY(:ex))"""), dict(p=parent_id, ex=except_areas))
    return int(row.scalar_one())


_PROBLEM_FILTER = """p.village_code LIKE CAST(:scope AS text) || '%'
    AND (CAST(:cid AS uuid) IS NULL OR p.campaign_id = CAST(:cid AS uuid))
    AND (CAST(:unit AS text) IS NULL OR p.responsible_unit = CAST(:unit AS text))
    AND (CAST(:status AS text) IS NULL OR p.status = CAST(:status AS text))"""


async def problem_summary(session: AsyncSession, scope: str, campaign_id: uuid.UUID | None, now: datetime) -> list[Any]:
    """Problems by responsible unit and status, with their age in days (opened → now or closed)."""
    rows = await session.execute(text(f"""
        SELECT p.responsible_unit, p.status, count(*) AS n,
            round(avg(extract(epoch FROM (COALESCE(p.verified_at, p.closed_at, CAST(:now AS timestamptz))
                - p.opened_at)) / 86400)::numeric, 1) AS avg_age_days,
            max(floor(extract(epoch FROM (COALESCE(p.verified_at, p.closed_at, CAST(:now AS timestamptz))
                - p.opened_at)) / 86400))::int AS max_age_days,
            count(*) FILTER (WHERE p.status IN ('opened', 'in_progress') AND p.due_at < CAST(:now AS timestamptz))
                AS overdue
        FROM campaign_problems p WHERE {_PROBLEM_FILTER}
        GROUP BY 1, 2 ORDER BY 1, 2"""), dict(scope=scope, cid=campaign_id, unit=None, status=None, now=now))
    return list(rows)


async def problem_rows(session: AsyncSession, scope: str, *, campaign_id: uuid.UUID | None = None,
                       unit: str | None = None, status: str | None = None, limit: int | None = None,
                       offset: int = 0) -> tuple[list[Any], int]:
    params = dict(scope=scope, cid=campaign_id, unit=unit, status=status)
    total = (await session.execute(text(f"SELECT count(*) FROM campaign_problems p WHERE {_PROBLEM_FILTER}"),
                                   params)).scalar_one()
    page = "" if limit is None else f"LIMIT {int(limit)} OFFSET {int(offset)}"
    rows = await session.execute(text(f"""
        SELECT p.*, c.title FROM campaign_problems p LEFT JOIN campaign_checks c ON c.code = p.check_code
        WHERE {_PROBLEM_FILTER} ORDER BY p.opened_at, p.id {page}"""), params)
    return list(rows), int(total)


async def problem_changes(session: AsyncSession, scope: str, since: Since):
    """Offline sync (离线同步) of the problem list: problems of the caller's area written after the cursor (with
    their check's title), and tombstones of those that left it; ``backstop_common.sync``."""
    below = await horizon(session, since)

    def in_scope(column):
        return column.startswith(scope, autoescape=True)

    query = (select(Problem, CheckDefinition.title).outerjoin(CheckDefinition, CheckDefinition.code == Problem.check_code)
             .where(in_scope(Problem.village_code)))
    rows = (await session.execute(changed_after(query, Problem.changed_xid, Problem.id, since, below))).all()
    removed = await removed_after(session, since, below, in_scope, lambda item: exists().where(
        Problem.id == item, in_scope(Problem.village_code)))
    return [(Cursor(p.changed_xid, p.id), {**p.model_dump(), "title": title}) for p, title in rows], removed


async def known_checks(session: AsyncSession, codes: list[str]) -> set[str]:
    return set((await session.execute(select(CheckDefinition.code).where(CheckDefinition.code.in_(codes)))).scalars())


async def checks(session: AsyncSession, codes: list[str]) -> list[CheckDefinition]:
    return list((await session.execute(select(CheckDefinition).where(CheckDefinition.code.in_(codes)))).scalars())


async def village_of(session: AsyncSession, household_id: uuid.UUID) -> str | None:
    """The household's village in monitoring's read model (None: not heard of yet)."""
    row = await session.execute(text("SELECT village_code FROM household_facts WHERE household_id = :h"),
                                {"h": household_id})
    return row.scalar_one_or_none()


async def save_answer(session: AsyncSession, key: dict, values: dict) -> Answer:
    """The answer to a question for a subject, replacing an earlier one (one per campaign, check and subject)."""
    stmt = insert(Answer).values(id=uuid.uuid4(), **key, **values)
    stmt = stmt.on_conflict_do_update(constraint="uq_campaign_answer", set_=values).returning(Answer.id)
    return await session.get(Answer, (await session.execute(stmt)).scalar_one(), populate_existing=True)


async def open_problem_once(session: AsyncSession, values: dict) -> Problem | None:
    """Open the problem unless one is active for the same campaign, check and subject (then None)."""
    pid = (await session.execute(insert(Problem).values(id=uuid.uuid4(), **values).on_conflict_do_nothing(
        index_elements=["campaign_id", "check_code", "subject_key"], index_where=text(ACTIVE_SQL))
        .returning(Problem.id))).scalar_one_or_none()
    return None if pid is None else await session.get(Problem, pid)


async def answered_problems_open(session: AsyncSession, campaign_id: uuid.UUID, check: str,
                                 subject_key: str) -> list[Problem]:
    """Problems an answer opened that nobody has started on."""
    return list((await session.execute(select(Problem).where(
        Problem.campaign_id == campaign_id, Problem.check_code == check, Problem.subject_key == subject_key,
        Problem.source == "answer", Problem.status == "opened"))).scalars())


async def target_exists(session: AsyncSession, year: int, area_code: str, measure: str) -> bool:
    return (await session.execute(select(Target.id).where(
        Target.year == year, Target.area_code == area_code, Target.measure == measure))).first() is not None


async def set_part(session: AsyncSession, values: dict) -> None:
    """A target's part for an area: inserted, or its figure and parent replaced (a new version)."""
    await session.execute(insert(Target).values(id=uuid.uuid4(), **values).on_conflict_do_update(
        constraint="uq_campaign_target",
        set_=dict(target=values["target"], parent_id=values["parent_id"], version=Target.version + 1)))


async def parts(session: AsyncSession, parent_id: uuid.UUID) -> list[Target]:
    rows = await session.execute(select(Target).where(Target.parent_id == parent_id)
                                 .order_by(Target.area_code).execution_options(populate_existing=True))
    return list(rows.scalars())
