"""``bulk``: a batch's rows (dicts or objects) written as one array a column and read back from PostgreSQL as they
were sent — NULLs, JSONB (lists, documents, an empty list, JSON null), numerics, uuids, dates and times; an UPDATE
by the primary key; constants and a tail; the same on asyncpg's own connection; an empty batch."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import Column, Numeric, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common import bulk, devstack
from backstop_common.db import create_engine, driver_connection


class Thing(SQLModel, table=True):
    __tablename__ = "bulk_things"

    id: uuid.UUID = Field(primary_key=True)
    name: str | None = None
    amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2)))
    count: int = 0
    ok: bool | None = None
    owner_id: uuid.UUID | None = None
    due_on: date | None = None
    seen_at: datetime | None = None
    tags: list = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    doc: dict | None = Field(default=None, sa_column=Column(JSONB))


TABLE = Thing.__table__
COLUMNS = tuple(c.name for c in TABLE.columns)
FULL = {"id": uuid.uuid4(), "name": "王家", "amount": Decimal("1234.56"), "count": 3, "ok": True,
        "owner_id": uuid.uuid4(), "due_on": date(2024, 2, 29), "seen_at": datetime(2024, 3, 1, 8, 30, tzinfo=UTC),
        "tags": ["a", "病"], "doc": {"k": [1, 2.5, None], "名": "值"}}
EMPTY = {"id": uuid.uuid4(), "name": None, "amount": None, "count": 0, "ok": None, "owner_id": None,
         "due_on": None, "seen_at": None, "tags": [], "doc": None}


@pytest.fixture(scope="module")
async def session(pg_server):
    url = await devstack.create_database(pg_server, f"bulk_{uuid.uuid4().hex[:6]}", recreate=True)
    engine = create_engine(url, pool_size=1)
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: TABLE.create(c))
    async with AsyncSession(engine) as session:
        yield session
    await engine.dispose()


async def _stored(session, *ids) -> list[dict]:
    rows = await session.execute(text(f"SELECT {', '.join(COLUMNS)} FROM bulk_things WHERE id = ANY(:ids)"),
                                 {"ids": list(ids)})
    by_id = {r["id"]: dict(r) for r in rows.mappings()}
    return [by_id.get(i) for i in ids]


async def test_rows_inserted_from_column_arrays_read_back_as_they_were_sent(session):
    await session.execute(bulk.insert(TABLE), bulk.arrays(TABLE, [FULL, EMPTY]))
    assert await _stored(session, FULL["id"], EMPTY["id"]) == [FULL, EMPTY]
    null = await session.execute(text("SELECT jsonb_typeof(doc) FROM bulk_things WHERE id = :id"), {"id": EMPTY["id"]})
    assert null.scalar() == "null"  # None in a JSONB column is JSON's null, as the ORM writes it


async def test_rows_updated_by_their_key_every_column_or_some(session):
    changed = {**FULL, "id": uuid.uuid4()}
    await session.execute(bulk.insert(TABLE), bulk.arrays(TABLE, [changed]))
    changed |= {"name": None, "amount": Decimal("0.10"), "tags": [], "doc": {"x": True}, "due_on": date(2000, 1, 1)}
    untouched = {**EMPTY, "id": uuid.uuid4()}
    await session.execute(bulk.insert(TABLE), bulk.arrays(TABLE, [untouched]))
    await session.execute(bulk.update(TABLE), bulk.arrays(TABLE, [SimpleNamespace(**changed)]))
    assert await _stored(session, changed["id"], untouched["id"]) == [changed, untouched]
    await session.execute(bulk.update(TABLE, ("id", "count")), bulk.arrays(TABLE, [{"id": changed["id"], "count": 9}],
                                                                            ("id", "count")))
    assert await _stored(session, changed["id"]) == [changed | {"count": 9}]


async def test_constants_and_a_tail_with_the_arrays(session):
    known, new = FULL["id"], uuid.uuid4()
    statement = bulk.insert(TABLE, ("id", "name"), constants=("count", "tags", "doc"),
                            tail="ON CONFLICT DO NOTHING RETURNING id")
    given = bulk.constant_values(TABLE, {"count": 7, "tags": ["b"], "doc": None})
    inserted = await session.execute(statement, given | bulk.arrays(TABLE, [{"id": known, "name": "x"},
                                                                            {"id": new, "name": "y"}], ("id", "name")))
    assert list(inserted.scalars()) == [new]
    assert await _stored(session, new) == [EMPTY | {"id": new, "name": "y", "count": 7, "tags": ["b"], "doc": None}]


async def test_the_statements_on_the_drivers_own_connection(session):
    con, new = await driver_connection(session), uuid.uuid4()
    statement = bulk.insert(TABLE, ("name", "id"), constants=("count", "tags"))  # the constants' $n come first
    await con.execute(*bulk.for_driver(statement, bulk.constant_values(TABLE, {"count": 4, "tags": []})
                                       | bulk.arrays(TABLE, [{"id": new, "name": "z"}], ("name", "id"))))
    columns = ("amount", "id", "tags")
    await con.execute(*bulk.for_driver(bulk.update(TABLE, columns), bulk.arrays(
        TABLE, [{"id": new, "amount": Decimal("2.5"), "tags": ["c"]}], columns)))
    assert await _stored(session, new) == [EMPTY | {"id": new, "name": "z", "count": 4, "amount": Decimal("2.50"),
                                                    "tags": ["c"]}]


async def test_an_empty_batch_writes_nothing(session):
    before = (await session.execute(text("SELECT count(*) FROM bulk_things"))).scalar()
    assert bulk.arrays(TABLE, []) == dict.fromkeys(COLUMNS, [])
    await session.execute(bulk.insert(TABLE), bulk.arrays(TABLE, []))
    await session.execute(bulk.update(TABLE), bulk.arrays(TABLE, []))
    assert (await session.execute(text("SELECT count(*) FROM bulk_things"))).scalar() == before


def test_a_column_that_is_an_array_is_refused():
    class Listed(SQLModel, table=True):
        __tablename__ = "bulk_listed"
        id: int = Field(primary_key=True)
        names: list = Field(sa_column=Column(ARRAY(Numeric)))

    with pytest.raises(TypeError, match="names"):
        bulk.insert(Listed.__table__)
