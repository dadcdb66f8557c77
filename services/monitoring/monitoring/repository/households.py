"""Queries on the household read model."""

import uuid
from datetime import datetime
from functools import cache
from types import SimpleNamespace

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects import postgresql
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common import bulk, driver

from monitoring.models import HouseholdFacts, MemberFacts


#: where ``get_or_create`` leaves the policies' stamp in the session's ``info`` (``signals.policy_in_force``)
POLICIES_STAMP_KEY = "monitoring.policies_stamp"
#: a stamp of the whole policies table — it changes whenever a row is added, changed (a new ``xmin``) or
#: removed: read with the household's row, it tells whether the policies this process looked up still hold
POLICIES_STAMP = ("(SELECT hashtextextended(coalesce(string_agg(xmin::text || ':' || year || ':' || area_code, ',' "
                  "ORDER BY year, area_code), ''), 0) FROM policies)")
# the statements built once: building a select is a tenth of a streamed event's Python (profiled)
_GET = select(HouseholdFacts).where(HouseholdFacts.household_id == bindparam("household_id"))
_GET_LOCKED = _GET.with_for_update()
_GET_LOCKED_STAMPED = select(HouseholdFacts, text(POLICIES_STAMP)).where(
    HouseholdFacts.household_id == bindparam("household_id")).with_for_update(of=HouseholdFacts)


async def get(session: AsyncSession, household_id: uuid.UUID, *, lock: bool = False) -> HouseholdFacts | None:
    stmt = _GET_LOCKED if lock else _GET
    return (await session.execute(stmt, {"household_id": household_id})).scalars().first()


async def get_or_create(session: AsyncSession, household_id: uuid.UUID, village_code: str,
                        now: datetime | None = None) -> HouseholdFacts:
    """The household's row, locked (made when missing); with it, the policies' stamp (``POLICIES_STAMP``)
    in ``session.info`` — no round trip of its own (None for a new household)."""
    found = (await session.execute(_GET_LOCKED_STAMPED, {"household_id": household_id})).first()
    facts, session.info[POLICIES_STAMP_KEY] = tuple(found) if found else (None, None)
    if facts is None:
        facts = HouseholdFacts(household_id=household_id, village_code=village_code, first_seen_at=now)
        session.add(facts)
    return facts


@cache
def _defaults(model: type) -> dict:
    """A new row's columns as the model's defaults make them (built once: a row object costs ~0.4 ms)."""
    keys = {c.name: uuid.UUID(int=0) for c in model.__table__.primary_key} | {"household_id": uuid.UUID(int=0),
                                                                              "village_code": ""}
    row = model(**{k: v for k, v in keys.items() if k in model.__table__.c})
    return {c.name: getattr(row, c.name) for c in model.__table__.columns}


@cache
def _insert_missing_statement(model: type, given: tuple[str, ...]) -> tuple[object, dict]:
    """``INSERT`` of rows whose ``given`` columns come as arrays and the rest as the model's defaults (constants
    in the statement: one array a column the rows differ in, not one for every column); a row already there
    is left as it is; answers the keys inserted. The defaults it binds once, by name."""
    table = model.__table__
    (key,) = [c.name for c in table.primary_key]
    defaults = {n: v for n, v in _defaults(model).items() if n not in given}
    stmt = bulk.insert(table, given, constants=tuple(defaults), tail=f"ON CONFLICT DO NOTHING RETURNING {key}")
    return stmt, bulk.constant_values(table, defaults)


async def _insert_missing(session: AsyncSession, model: type, rows: list[dict], key: str) -> set[uuid.UUID]:
    """Rows with these values and the model's defaults; a row already there is left as it is. Returns the keys
    inserted. One statement, however many rows."""
    if not rows:
        return set()
    given = tuple(rows[0])
    stmt, defaults = _insert_missing_statement(model, given)
    result = await session.execute(stmt, defaults | bulk.arrays(model.__table__, rows, given))
    return set(result.scalars())


async def add_missing_members(session: AsyncSession, members: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """Rows for (member, household) pairs it does not hold yet."""
    await _insert_missing(session, MemberFacts, [{"member_id": m, "household_id": h} for m, h in members],
                          "member_id")


class Row(SimpleNamespace):
    """A read-model row as plain attributes (``HouseholdFacts``' or ``MemberFacts``' columns), for a batch: the
    change functions and rules read and set it as they do the ORM object, without the ORM's per-attribute
    instrumentation, identity map and one UPDATE per row at flush (two thirds of an import's batch, profiled)."""


#: the column ``get_many(stamped=True)`` reads the policies' stamp into (no column of the read model)
_STAMP_COLUMN = "policies_stamp_"


@cache
def _locked_rows_statement(model: type, key: str, stamped: bool = False) -> object:
    """The rows of a bound array of keys, locked in key order: one statement whatever the batch's size (an
    ``IN (…)`` list is a new statement, prepared again, for each length), the keys joined (``unnest``), not
    searched with ``= ANY`` (under a generic plan a bound array is searched element by element). ``stamped``:
    with the policies' stamp (``POLICIES_STAMP``, computed once: an uncorrelated subquery) on each row."""
    table = model.__table__
    keys = func.unnest(bindparam("ids", type_=postgresql.ARRAY(table.c[key].type))).table_valued("id").render_derived("k")
    columns = [table, text(f"{POLICIES_STAMP} AS {_STAMP_COLUMN}")] if stamped else [table]
    return (select(*columns).join(keys, table.c[key] == keys.c.id).order_by(table.c[key])
            .with_for_update(of=table))


async def _locked_rows(session: AsyncSession, model: type, key: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, Row]:
    """The rows of these keys as ``Row``s, locked in one statement (in key order: two batches never deadlock)."""
    rows = await session.execute(_locked_rows_statement(model, key), {"ids": list(ids)})
    return {m[key]: Row(**m) for m in rows.mappings()}


async def get_many(session: AsyncSession, household_ids: list[uuid.UUID], *,
                   stamped: bool = False) -> dict[uuid.UUID, Row]:
    """The read-model rows of these households as ``Row``s, locked; ``save_rows`` writes them back.
    ``stamped``: with them, as ``get_or_create``, the policies' stamp in ``session.info`` — no round trip of
    its own (None when none of the rows is there)."""
    if not stamped:
        return await _locked_rows(session, HouseholdFacts, "household_id", household_ids)
    rows = await session.execute(_locked_rows_statement(HouseholdFacts, "household_id", True),
                                 {"ids": list(household_ids)})
    found, session.info[POLICIES_STAMP_KEY] = {}, None
    for m in rows.mappings():
        values = dict(m)
        session.info[POLICIES_STAMP_KEY] = values.pop(_STAMP_COLUMN)
        found[values["household_id"]] = Row(**values)
    return found


async def get_or_create_many(session: AsyncSession, households: list[tuple[uuid.UUID, str]],
                             now: datetime) -> tuple[dict[uuid.UUID, Row], set[uuid.UUID]]:
    """``get_or_create`` for (household, village) pairs, each once: their rows as ``Row``s, locked, and which of
    them it created — by one statement (``_get_or_create_many_statement``: a stream's turn waits for each round
    trip) on asyncpg's connection (SQLAlchemy's execution path was as much CPU again as asyncpg's). The missing
    rows are written in SQL (building each as an object would cost more than the rest of its event), their keys
    answered and the rows made here as written, not read back — a new row is this transaction's alone until it
    commits, and reading and decoding it again was a tenth of a bulk import's registration (profiled). The
    policies' stamp is left in ``session.info`` as ``get_many(stamped=True)`` leaves it. A household another
    transaction inserted after the statement's snapshot is in neither part: read by ``get_many``, which waits for
    it to commit."""
    statement, defaults = _get_or_create_many_statement()
    village_of, known, stamp = dict(households), {}, None
    created = set()
    for record in await driver.fetch(session, statement, defaults | {
            "household_id": [h for h, _ in households], "village_code": [v for _, v in households],
            "first_seen_at": [now] * len(households)}):
        stamp = record[_STAMP_COLUMN]
        if (new_id := record[_CREATED_COLUMN]) is not None:
            known[new_id] = _new_row(new_id, village_of[new_id], now)
            created.add(new_id)
        else:
            row = dict(record)
            del row[_STAMP_COLUMN], row[_CREATED_COLUMN]
            known[row["household_id"]] = Row(**row)
    session.info[POLICIES_STAMP_KEY] = stamp
    if rest := [h for h, _ in households if h not in known]:
        known |= await get_many(session, rest, stamped=True)
    return known, created


#: the columns ``get_or_create_many`` gives a new household's row (the others are the model's defaults)
_CREATED = ("household_id", "village_code", "first_seen_at")
#: the column of ``_get_or_create_many_statement``'s answer naming a household it created (NULL for a found one)
_CREATED_COLUMN = "created_"


@cache
def _get_or_create_many_statement() -> tuple[object, dict]:
    """The missing households' rows inserted (``_insert_missing_statement``) and the others' read and locked in key
    order, by one statement: a found row whole, a created one by its key (the statement's snapshot does not see
    what its own INSERT writes), each with the policies' stamp. Locks: the known rows, then the new ones — the
    order ``get_or_create`` takes them one at a time. With the new rows' defaults, bound by name."""
    insert, defaults = _insert_missing_statement(HouseholdFacts, _CREATED)
    columns = [c.name for c in HouseholdFacts.__table__.columns]
    found = ("SELECT h.* FROM household_facts h JOIN unnest(CAST(:household_id AS uuid[])) AS k(id) "
             "ON h.household_id = k.id ORDER BY h.household_id FOR UPDATE OF h")
    nulls = ", ".join(["NULL"] * len(columns))
    statement = text(f"WITH new AS ({insert.text}), found AS ({found}) "
                     f"SELECT r.*, {POLICIES_STAMP} AS {_STAMP_COLUMN} FROM ("
                     f"SELECT CAST(NULL AS uuid) AS {_CREATED_COLUMN}, f.* FROM found f "
                     f"UNION ALL SELECT n.household_id, {nulls} FROM new n) r")
    return statement, defaults


def _new_row(household_id: uuid.UUID, village_code: str, now: datetime) -> Row:
    """A household's row as ``get_or_create_many`` writes it (each JSON list a list of its own)."""
    return Row(**_defaults(HouseholdFacts) | {name: [] for name in _lists(HouseholdFacts)}
               | {"household_id": household_id, "village_code": village_code, "first_seen_at": now})


@cache
def _lists(model: type) -> tuple[str, ...]:
    """The columns whose default is an empty list (JSON)."""
    return tuple(n for n, v in _defaults(model).items() if v == [])


async def members_many(session: AsyncSession, member_ids: list[uuid.UUID]) -> dict[uuid.UUID, Row]:
    return await _locked_rows(session, MemberFacts, "member_id", member_ids)


async def save_rows(session: AsyncSession, model: type, rows: list[Row]) -> None:
    """Write ``Row``s of ``model`` back, every column, in one statement (and one run of the statement-level count
    triggers) for a batch of rows, keyed by the primary key."""
    if rows:
        await driver.execute(session, bulk.update(model.__table__), bulk.arrays(model.__table__, rows))


def saving_rows(model: type, rows: list[Row]) -> tuple[str, dict[str, list]]:
    """``save_rows``' statement as text and its parameters, for a statement that writes them back with a read
    of its own (a data-modifying ``WITH`` part)."""
    return bulk.update(model.__table__).text, bulk.arrays(model.__table__, rows)


#: members as a registration lists them: made when missing (not removed, nothing else known), the listed facts
#: set; the household stays the one a known member's row has (as ``member`` keeps it)
UPSERT_LISTED_MEMBERS = text("""
INSERT INTO member_facts (member_id, household_id, health, disability_grade, schooling_status, insured, removed)
SELECT m.*, false
  FROM unnest(CAST(:member_id AS uuid[]), CAST(:household_id AS uuid[]), CAST(:health AS text[]),
              CAST(:disability_grade AS int[]), CAST(:schooling_status AS text[]), CAST(:insured AS boolean[]))
       AS m(member_id, household_id, health, disability_grade, schooling_status, insured)
ON CONFLICT (member_id) DO UPDATE SET health = EXCLUDED.health, disability_grade = EXCLUDED.disability_grade,
       schooling_status = EXCLUDED.schooling_status, insured = EXCLUDED.insured
""")


#: the columns of a listed member's row, in the order ``upsert_listed_members`` takes them
LISTED_MEMBER_COLUMNS = ("member_id", "household_id", "health", "disability_grade", "schooling_status", "insured")


async def upsert_listed_members(session: AsyncSession, rows: list[tuple]) -> None:
    """``UPSERT_LISTED_MEMBERS`` for rows of ``LISTED_MEMBER_COLUMNS`` each: one statement, in member order
    (locks taken in key order); a member listed twice keeps its last listing (one statement may not update a
    row twice)."""
    if not rows:
        return
    last = {r[0]: r for r in rows}
    ordered = sorted(last.values(), key=_member_order)  # by the key's number: UUID's own < is Python
    await session.execute(UPSERT_LISTED_MEMBERS, dict(zip(LISTED_MEMBER_COLUMNS, map(list, zip(*ordered)),
                                                         strict=True)))


def _member_order(row: tuple) -> int:
    return row[0].int


async def member(session: AsyncSession, member_id: uuid.UUID, household_id: uuid.UUID) -> MemberFacts:
    row = await session.get(MemberFacts, member_id, with_for_update=True)
    if row is None:
        row = MemberFacts(member_id=member_id, household_id=household_id)
        session.add(row)
    return row


async def medical_out_of_pocket(session: AsyncSession, household_id: uuid.UUID, year: int):
    """The household's compliant self-paid medical cost for ``year`` (sum over living members)."""
    await session.flush()
    return (await session.execute(
        select(func.sum(MemberFacts.medical_out_of_pocket)).where(
            MemberFacts.household_id == household_id, MemberFacts.medical_year == year,
            MemberFacts.removed.is_(False)))).scalar()
