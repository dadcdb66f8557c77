"""The services' session: sqlmodel's, with SQLAlchemy's ``execute`` under it — the same answers, and no
``DeprecationWarning`` issued on every statement (issue 18: ~2.5 a monitoring event, each then filtered); and the
driver connection of its transaction (``db.transaction_connection``), looked up once a transaction; and a pooled
connection the server closed, replaced when it is taken (``db.create_engine``)."""

import warnings

import asyncpg
from sqlalchemy import text
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.db import plain_url, transaction_connection
from backstop_common.testing import eventually, messaging_database


class Probe(SQLModel, table=True):
    __tablename__ = "session_probe"
    id: int = Field(primary_key=True)
    name: str


async def test_the_services_session_answers_as_sqlmodels_and_warns_of_nothing(pg_server):
    async with messaging_database(pg_server, "session", Probe.__table__, pool_size=1) as (_, sessions):
        async with sessions() as session:
            await session.execute(text("INSERT INTO session_probe VALUES (1, 'a'), (2, 'b')"))
            await session.commit()

        async def answers(session) -> tuple:
            rows = (await session.execute(text("SELECT id, name FROM session_probe ORDER BY id"))).all()
            models = (await session.execute(select(Probe).order_by(Probe.id))).scalars().all()
            exec_models = (await session.exec(select(Probe).where(Probe.id == 2))).all()
            got = await session.get(Probe, 1)  # SQLAlchemy's loading runs through the sync session's execute
            return ([tuple(r) for r in rows], [(m.id, m.name) for m in models],
                    [(m.id, m.name) for m in exec_models], (got.id, got.name))

        async with AsyncSession(sessions.kw["bind"]) as session:  # sqlmodel's own
            expected = await answers(session)
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            async with sessions() as session:
                assert await answers(session) == expected
        assert expected == ([(1, "a"), (2, "b")], [(1, "a"), (2, "b")], [(2, "b")], (1, "a"))


async def test_the_driver_connection_is_looked_up_once_a_transaction_and_begun_again_after_a_commit(pg_server):
    """A turn sends several statements on the driver's connection: the session and its pool are asked once a
    transaction; after a commit the next transaction is begun again (else its statements would commit alone)."""
    async with messaging_database(pg_server, "driver", Probe.__table__, pool_size=1) as (_, sessions):
        async with sessions() as session:
            asked = []
            looked_up = session.connection
            session.connection = lambda *a, **kw: asked.append(1) or looked_up(*a, **kw)
            first = await transaction_connection(session)
            await first.execute("INSERT INTO session_probe VALUES (3, 'kept')")
            assert await transaction_connection(session) is first and len(asked) == 1
            await session.commit()
            await (await transaction_connection(session)).execute("INSERT INTO session_probe VALUES (4, 'undone')")
            assert len(asked) == 2
            await session.rollback()
        async with sessions() as session:
            assert (await session.execute(text("SELECT id FROM session_probe"))).scalars().all() == [3]


async def test_a_pooled_connection_the_server_closed_is_replaced_when_taken_not_tried(pg_server):
    """What a PostgreSQL restart leaves in the pool: connections asyncpg has seen the server close. Each is
    connected again on checkout, and no statement fails on it — not even one sent on the bare asyncpg connection,
    whose failure SQLAlchemy never sees (so never invalidated the pool for: a 503 a pool after a restart)."""
    async with messaging_database(pg_server, "closed", pool_size=2) as (url, sessions):
        async def backends() -> tuple[list, list[int]]:
            async with sessions() as first, sessions() as second:  # both pooled connections, at once
                drivers = [await transaction_connection(s) for s in (first, second)]
                return drivers, [await d.fetchval("SELECT pg_backend_pid()") for d in drivers]

        drivers, before = await backends()
        killer = await asyncpg.connect(plain_url(url))
        try:
            await killer.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", before)
        finally:
            await killer.close()
        assert await eventually(lambda: all(d.is_closed() for d in drivers), timeout=5)
        _, after = await backends()
        assert not set(after) & set(before)
