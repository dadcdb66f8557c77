"""Read-model queries: the households and members registry and monitoring events described."""

import functools
import uuid
from types import SimpleNamespace

from sqlalchemy import select
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common import bulk
from backstop_common.db import transaction_connection

from funds.models import HouseholdFact, MemberFact


async def household(session: AsyncSession, household_id: uuid.UUID, *, lock: bool = False) -> HouseholdFact | None:
    return await session.get(HouseholdFact, household_id, with_for_update=lock or None)


async def member(session: AsyncSession, member_id: uuid.UUID, *, lock: bool = False) -> MemberFact | None:
    return await session.get(MemberFact, member_id, with_for_update=lock or None)


async def _by_ids(session: AsyncSession, model, ids: list[uuid.UUID], lock: bool) -> dict:
    """The rows of ``model`` known of these ids, by id (row-locked with ``lock``, in id order)."""
    if not ids:
        return {}
    query = select(model).where(model.id.in_(ids)).order_by(model.id)
    if lock:
        query = query.with_for_update()
    return {row.id: row for row in (await session.execute(query)).scalars()}


async def households(session: AsyncSession, household_ids: list[uuid.UUID], *,
                     lock: bool = False) -> dict[uuid.UUID, HouseholdFact]:
    return await _by_ids(session, HouseholdFact, household_ids, lock)


async def members(session: AsyncSession, member_ids: list[uuid.UUID], *,
                  lock: bool = False) -> dict[uuid.UUID, MemberFact]:
    return await _by_ids(session, MemberFact, member_ids, lock)


async def present_members(session: AsyncSession, household_id: uuid.UUID) -> list[MemberFact]:
    query = select(MemberFact).where(MemberFact.household_id == household_id, MemberFact.status == "present")
    return list((await session.execute(query)).scalars())


async def insured_members(session: AsyncSession, household_id: uuid.UUID) -> list[MemberFact]:
    """Present members with basic medical insurance (参保), in a stable order."""
    query = select(MemberFact).where(MemberFact.household_id == household_id, MemberFact.status == "present",
                                     MemberFact.medical_insurance.is_(True)).order_by(MemberFact.id)
    return list((await session.execute(query)).scalars())


class Rows:
    """One read-model table's rows of a run of events as plain records, not ORM objects (building 400,000 of
    those was most of a bulk import's cost in funds): read and row-locked in one statement, changed by the
    domain's functions like the rows themselves, written back in one statement for those known (column arrays
    through ``unnest``, ``backstop_common.bulk``) and one ``COPY`` for the new. A row another transaction adds
    meanwhile makes the copy fail, as the ORM's insert would: the consumer then applies the run's events one by one.

    The rows are kept by their id's 128-bit integer (``UUID.int``), not the id: hashing a ``uuid.UUID`` is a call
    of Python code, and an import's run looks each of its ~1,750 members up five times or so."""

    def __init__(self, model: type[SQLModel]):
        self.model, self.table = model, model.__table__
        self.known: dict[int, SimpleNamespace] = {}
        self.new: dict[int, SimpleNamespace] = {}

    async def read(self, session: AsyncSession, ids: list[uuid.UUID]) -> None:
        """The rows of these ids the table holds, locked (in id order: two runs never deadlock over them)."""
        wanted = [i for key, i in {i.int: i for i in ids}.items() if key not in self.known and key not in self.new]
        if wanted:
            await session.flush()  # what the session holds unwritten is in the table before it is read
            rows = await session.execute(_locked(self.table), {"ids": wanted})
            self.known.update({row.id.int: SimpleNamespace(**row._mapping) for row in rows})

    def get(self, row_id: uuid.UUID, **given) -> SimpleNamespace:
        """The row of ``row_id`` (read before), or a new one with the model's defaults and ``given``."""
        key = row_id.int
        row = self.known.get(key) if self.known else None  # (an import's run knows none: one lookup less)
        if row is None:
            row = self.new.get(key)
            if row is None:
                row = self.new[key] = _new_row(self.model, row_id, given)
        return row

    async def write(self, session: AsyncSession) -> None:
        """The changed rows back: an UPDATE for those read, an INSERT for the new; the session's own copies of
        them (an earlier event's) are expired so it reads them again."""
        if self.known:
            await session.execute(bulk.update(self.table), bulk.arrays(self.table, list(self.known.values())))
        if self.new:
            await _copy_new(session, self.table, list(self.new.values()))
        for held in list(session.identity_map.values()):  # the transaction's few objects, not the run's rows
            if isinstance(held, self.model) and (held.id.int in self.known or held.id.int in self.new):
                session.expire(held)


async def _copy_new(session: AsyncSession, table, rows: list[SimpleNamespace]) -> None:
    """New rows by ``COPY`` (binary) on the session's connection, in its transaction: asyncpg encodes each value
    and nothing else, where an array parameter has each element checked for being an array itself first (a Python
    call each: a fifth of funds' CPU digesting an import, issue 18). A row already there fails it, as an INSERT."""
    columns = bulk.arrays(table, rows)  # JSON as its text, as the connection's jsonb codec takes it
    connection = await transaction_connection(session)
    await connection.copy_records_to_table(table.name, columns=list(columns), records=zip(*columns.values()))


def _new_row(model: type[SQLModel], row_id: uuid.UUID, given: dict) -> SimpleNamespace:
    """A new row with the model's defaults (its lists new each time) and ``given``."""
    values, lists = _template(model)
    row = SimpleNamespace(**values, id=row_id)
    for name in lists:
        setattr(row, name, list(values[name]))
    row.__dict__.update(given)
    return row


@functools.cache
def _template(model: type[SQLModel]) -> tuple[dict, tuple[str, ...]]:
    """The model's defaults, its factories called once (``updated_at``'s clock is set by whoever touches a row), and
    which of them are lists (copied for each row)."""
    values = {name: (field.default_factory() if field.default_factory else field.default)
              for name, field in model.model_fields.items() if name != "id"}
    return values, tuple(name for name, value in values.items() if isinstance(value, list))


@functools.cache
def _locked(table):
    """The rows of the ids given (``ids``, one array parameter: ``bulk.among``; an import's fetch names ~500
    households and ~1,750 members) locked in id order."""
    return select(table).where(bulk.among(table.c.id)).order_by(table.c.id).with_for_update()
