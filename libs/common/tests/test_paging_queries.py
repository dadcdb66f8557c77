"""``fetch_page``: one page of a select, in the order given, and the whole select's count — for a select of
one entity (its objects) and of columns (its rows)."""

import uuid

from sqlalchemy import text
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common import devstack
from backstop_common.db import create_engine
from backstop_common.paging_queries import fetch_page


class Thing(SQLModel, table=True):
    __tablename__ = "paging_things"

    id: int = Field(primary_key=True)
    kind: str


async def test_a_page_and_the_total_of_the_whole_select(pg_server):
    url = await devstack.create_database(pg_server, f"paging_{uuid.uuid4().hex[:6]}", recreate=True)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: Thing.__table__.create(c))
            await conn.execute(text("INSERT INTO paging_things SELECT n, CASE WHEN n % 3 = 0 THEN 'a' ELSE 'b' END "
                                    "FROM generate_series(1, 20) n"))
        async with AsyncSession(engine) as session:
            query = select(Thing).where(Thing.kind == "b")
            things, total = await fetch_page(session, query, Thing.id.desc(), limit=5, offset=5)
            assert total == 14 and [t.id for t in things] == [13, 11, 10, 8, 7]
            assert all(isinstance(t, Thing) for t in things)
            rows, total = await fetch_page(session, select(Thing.id, Thing.kind).where(Thing.kind == "a"),
                                           Thing.id, limit=2, offset=0)
            assert total == 6 and [tuple(r) for r in rows] == [(3, "a"), (6, "a")]
            past_the_end, total = await fetch_page(session, query, Thing.id, limit=5, offset=50)
            assert past_the_end == [] and total == 14
    finally:
        await engine.dispose()
