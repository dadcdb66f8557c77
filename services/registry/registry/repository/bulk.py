"""The set-based import: COPY into staging tables, find conflicts in SQL, INSERT … SELECT the good rows.

Everything runs on the session's own connection, inside the caller's transaction.
"""

import io
import uuid
from collections.abc import Callable

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.db import driver_connection
from backstop_common.envelope import event_type, source_of
from backstop_common.topics import REGISTRY_HOUSEHOLD
from registry.repository.bulk_columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS

STAGING = """
CREATE TEMP TABLE stage_households (id uuid, line int, household_number text, village_code text,
  natural_village text, phone text, poverty_status text, year_lifted int, dibao bool, tekun bool,
  monitoring_category text, risk_eliminated bool, risk_identified_on date, risk_eliminated_on date,
  main_cause text, other_causes text[], housing_grade text, safe_water bool, size int,
  per_capita_income numeric(14,2), wage numeric(14,2), business numeric(14,2), business_costs numeric(14,2),
  property numeric(14,2), transfer numeric(14,2), labour int, uninsured int, dropout int, members text)
  ON COMMIT DROP;
CREATE TEMP TABLE stage_members (id uuid, household_id uuid, household_number text, line int,
  person_number text, name text, name_pinyin text, name_initials text, id_number text, relation text,
  is_head bool, sex text, birth_date date, ethnicity text, phone text, education text, schooling_stage text,
  schooling_status text, health text, disability_grade int, labour_capacity text, employment text,
  migrant_months int, medical_insurance bool, pension text) ON COMMIT DROP;
"""


async def _raw(session: AsyncSession):
    """The asyncpg connection under the session, its transaction begun (SQLAlchemy begins lazily)."""
    await session.execute(text("SELECT 1"))
    return await driver_connection(session)


async def open_staging(session: AsyncSession) -> None:
    """The staging tables, empty, for this transaction."""
    con = await _raw(session)
    # a piece's hash joins and sorts stay in memory instead of spilling to disk
    await con.execute("SET LOCAL work_mem = '256MB'")
    await con.execute(LOCAL_BUFFERS)
    await con.execute(STAGING)


#: a piece's staging rows (~16 MB for 20,000 rows) held in the session's own buffers: with the default 8 MB they
#: were written out to the temporary tables' files by the COPY and read back by the INSERTs, a piece at a time
#: (~2 % of PostgreSQL's part of an import). The size can be set only before the session's first temporary
#: table (PostgreSQL refuses it afterwards), so a pooled connection that had one keeps what it was given then.
LOCAL_BUFFERS = "SELECT set_config('temp_buffers', '32MB', true) WHERE pg_my_temp_schema() = 0"


async def keep_pieces(session: AsyncSession) -> None:
    """A savepoint before an import's first piece (``discard_pieces`` goes back to it)."""
    con = await _raw(session)
    await con.execute("SAVEPOINT import_pieces")


async def discard_pieces(session: AsyncSession) -> None:
    """Every piece loaded since ``keep_pieces`` undone (the staging tables as they were, empty), ready for the
    pieces again."""
    con = await _raw(session)
    await con.execute("ROLLBACK TO SAVEPOINT import_pieces")


async def stage(session: AsyncSession, households: bytes, members: bytes) -> None:
    """One piece of the file into the staging tables (the previous piece's rows are gone): its rows in COPY's
    text format (``HOUSEHOLD_COLUMNS``, ``MEMBER_COLUMNS``), as the import's worker wrote them. No ANALYZE:
    a temporary table never analysed is planned from its size on disk, which is all the joins below need
    (it cost ~8 % of PostgreSQL's part of an import, once a piece)."""
    con = await _raw(session)
    await con.execute("TRUNCATE stage_households, stage_members")
    await con.copy_to_table("stage_households", source=io.BytesIO(households), columns=HOUSEHOLD_COLUMNS)
    await con.copy_to_table("stage_members", source=io.BytesIO(members), columns=MEMBER_COLUMNS)


#: a piece's households already registered. Each staged row is looked up in the index (``LATERAL … LIMIT 1``
#: keeps the planner from joining the tables whole): during an import's first pieces the tables' statistics say
#: they are empty, and the planner hashed every registered row for each piece — a cost that grew with the
#: registry, 3.5 s of PostgreSQL's ~20 for 100,000 households (the ID numbers' check; session 12)
EXISTING = """
    SELECT s.household_number FROM stage_households s CROSS JOIN LATERAL (
      SELECT 1 FROM households h WHERE h.household_number = s.household_number LIMIT 1) h"""
#: a piece's rows whose ID number a current member of another household holds, and that household's number (an
#: ID number is held by one current member at most: ``ux_members_id_number_current``)
TAKEN = """
    SELECT s.line, s.household_number, t.held_by FROM stage_members s CROSS JOIN LATERAL (
      SELECT h.household_number AS held_by FROM members m JOIN households h ON h.id = m.household_id
       WHERE m.id_number = s.id_number AND m.removed_on IS NULL LIMIT 1) t
     WHERE t.held_by IS DISTINCT FROM s.household_number ORDER BY s.line"""


async def conflicts(session: AsyncSession) -> tuple[set[str], list[tuple[int, str, str | None]]]:
    """(household numbers already registered, rows whose ID number a current member elsewhere holds)."""
    con = await _raw(session)
    existing = await con.fetch(EXISTING)
    taken = await con.fetch(TAKEN)
    return {r[0] for r in existing}, [tuple(r) for r in taken]


async def drop_households(session: AsyncSession, numbers: set[str]) -> None:
    if numbers:
        con = await _raw(session)
        await con.execute("DELETE FROM stage_households WHERE household_number = ANY($1::text[])", list(numbers))
        await con.execute("DELETE FROM stage_members WHERE household_number = ANY($1::text[])", list(numbers))


async def load(session: AsyncSession, import_id: uuid.UUID, income_year: int, actor: str, role: str,
               correlation_id: str | None, new_id: Callable[[], str]) -> tuple[int, int]:
    """Insert what is left in staging; returns (households, members) inserted. The income assessments' and the
    events' ids are ``new_id``'s (the import's time-ordered ids), not PostgreSQL's ``gen_random_uuid()``: the
    embedded server draws each of those from the OS (~3.3 µs, ~4 % of its part of an import), and random ids
    are inserted all over their unique indexes where ordered ones append."""
    con = await _raw(session)
    households = await con.execute(
        "INSERT INTO households (id, village_code, household_number, natural_village, phone, poverty_status,"
        " year_lifted, dibao, tekun, monitoring_category, risk_eliminated, risk_identified_on, risk_eliminated_on,"
        " tags, main_cause, other_causes, housing_grade, safe_water, food_secure, clothing_secure, size,"
        " per_capita_income, income_year, import_id, version)"
        " SELECT id, village_code, household_number, natural_village, phone, poverty_status, year_lifted, dibao,"
        " tekun, monitoring_category, risk_eliminated, risk_identified_on, risk_eliminated_on, '{}', main_cause,"
        " other_causes, housing_grade, safe_water, true, true, size, per_capita_income, CASE WHEN per_capita_income IS NOT NULL THEN $2::int END, $1, 1"
        " FROM stage_households", import_id, income_year)
    members = await con.execute(
        "INSERT INTO members (id, household_id, person_number, name, name_pinyin, name_initials, id_number,"
        " relation, is_head, sex, birth_date, ethnicity, phone, education, schooling_stage, schooling_status,"
        " boarding, health, disability_grade, labour_capacity, employment, migrant_months, medical_insurance,"
        " pension, version) SELECT id, household_id, person_number, name, name_pinyin, name_initials, id_number,"
        " relation, is_head, sex, birth_date, ethnicity, phone, education, schooling_stage, schooling_status, false,"
        " health, disability_grade, labour_capacity, employment, migrant_months, medical_insurance,"
        " coalesce(pension, 'none'), 1"
        " FROM stage_members")
    registered = int(households.split()[-1])
    await con.execute(
        "INSERT INTO income_assessments (id, household_id, year, wage, business, business_costs, property,"
        " transfer, net_income, size, per_capita_income, assessed_by)"
        " SELECT ($3::uuid[])[row_number() OVER ()], id, $1::int, wage, business, business_costs, property,"
        " transfer, wage + business + property + transfer - business_costs, size, per_capita_income, $2"
        " FROM stage_households WHERE per_capita_income IS NOT NULL", income_year, actor,
        _ids(new_id, registered))
    await con.execute(
        "INSERT INTO change_history (household_id, entity, entity_id, action, new_value, actor, actor_role, version)"
        " SELECT id, 'household', id, 'imported', jsonb_build_object('import_id', $1::text, 'line', line),"
        " $2, $3, 1 FROM stage_households", str(import_id), actor, role)
    await con.execute(OUTBOX, REGISTRY_HOUSEHOLD, event_type("registry", "household.registered"),
                      source_of("registry"), correlation_id, income_year, _ids(new_id, registered))
    return registered, int(members.split()[-1])


def _ids(new_id: Callable[[], str], n: int) -> list[str]:
    return [new_id() for _ in range(n)]


async def hold_import(session: AsyncSession, import_id: uuid.UUID) -> None:
    """A lock the import's transaction holds until it ends (``committed`` waits on it from another connection)."""
    await (await _raw(session)).execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                                        f"registry import {import_id}")


async def committed(session: AsyncSession, import_id: uuid.UUID) -> bool:
    """Once the import's transaction has ended (its ``hold_import`` lock, taken here in turn): whether it committed."""
    await hold_import(session, import_id)
    return await (await _raw(session)).fetchval("SELECT EXISTS (SELECT FROM import_runs WHERE id = $1)", import_id)


async def analyze(session: AsyncSession) -> None:
    """The planner's statistics of the tables an import fills: until they are refreshed the planner takes them for
    empty, and a township's list ran 150 ms instead of 1 ms."""
    await (await _raw(session)).execute("ANALYZE households, members, income_assessments")


#: an import that registers this many households refreshes the planner's statistics (``analyze``)
ANALYZE_AFTER = 1000


#: a staged household's ``household.registered`` payload (``$5``: the import's income year), the same fields as
#: ``events.HouseholdRegistered``; its members' list comes made by the import's worker (``imports.copy_rows.listed``:
#: aggregating it here per piece, a sort and a jsonb object per member, was the largest of the statements). The
#: payload is written as JSON text and parsed once: with the members' list staged as ``jsonb`` (parsed by the COPY,
#: ~0.6 s per 100,000 households) and copied into a ``jsonb_build_object`` (~1.0–1.5 s: a type lookup per argument,
#: the keys sorted), PostgreSQL spent about twice as long (bench/RESULTS.md, session 23 "imp23pg"). ``to_json``
#: quotes texts and dates as ``jsonb_build_object`` did: the same jsonb (a test compares the two).
REGISTERED = """('{"household_id":"' || s.id || '","village_code":' || to_json(s.village_code)
  || ',"poverty_status":' || to_json(s.poverty_status) || ',"year_lifted":' || coalesce(s.year_lifted::text, 'null')
  || ',"dibao":' || coalesce(s.dibao::text, 'null') || ',"tekun":' || coalesce(s.tekun::text, 'null')
  || ',"size":' || s.size || ',"labour_capable_members":' || s.labour
  || ',"per_capita_income":' || coalesce('"' || s.per_capita_income || '"', 'null')
  || ',"income_year":' || CASE WHEN s.per_capita_income IS NOT NULL THEN $5::int::text ELSE 'null' END
  || ',"housing_grade":' || coalesce(to_json(s.housing_grade)::text, 'null')
  || ',"safe_water":' || coalesce(s.safe_water::text, 'null') || ',"uninsured_members":' || s.uninsured
  || ',"food_secure":true,"clothing_secure":true,"relocated":false'
  || ',"dropout_members":' || s.dropout || ',"tags":[],"main_cause":' || coalesce(to_json(s.main_cause)::text, 'null')
  || ',"monitoring_category":' || coalesce(to_json(s.monitoring_category)::text, 'null')
  || ',"risk_eliminated":' || coalesce(s.risk_eliminated::text, 'null')
  || ',"risk_identified_on":' || coalesce(to_json(s.risk_identified_on)::text, 'null')
  || ',"risk_eliminated_on":' || coalesce(to_json(s.risk_eliminated_on)::text, 'null')
  || ',"helper_user_ids":[],"members":' || coalesce(s.members, '[]') || '}')::jsonb"""
#: ``household.registered`` for every loaded household, in the file's order
OUTBOX = f"""
INSERT INTO outbox (id, topic, key, type, source, subject, area_code, correlation_id, time, data, attempts)
SELECT ($6::uuid[])[row_number() OVER (ORDER BY s.line)], $1, s.id::text, $2, $3, s.id::text, s.village_code, $4,
  now(), {REGISTERED}, 0
FROM stage_households s ORDER BY s.line
"""
