"""The services' session: sqlmodel's, with SQLAlchemy's ``execute`` under it — the same answers, and no
``DeprecationWarning`` issued on every statement (issue 18: ~2.5 a monitoring event, each then filtered)."""

import uuid
import warnings

from sqlalchemy import text
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common import devstack
from backstop_common.db import create_engine, create_session_factory


class Probe(SQLModel, table=True):
    __tablename__ = "session_probe"
    id: int = Field(primary_key=True)
    name: str


async def test_the_services_session_answers_as_sqlmodels_and_warns_of_nothing(pg_server):
    url = await devstack.create_database(pg_server, f"session_{uuid.uuid4().hex[:6]}", recreate=True)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: Probe.__table__.create(c))
            await conn.execute(text("INSERT INTO session_probe VALUES (1, 'a'), (2, 'b')"))

        async def answers(session) -> tuple:
            rows = (await session.execute(text("SELECT id, name FROM session_probe ORDER BY id"))).all()
            models = (await session.execute(select(Probe).order_by(Probe.id))).scalars().all()
            exec_models = (await session.exec(select(Probe).where(Probe.id == 2))).all()
            got = await session.get(Probe, 1)  # SQLAlchemy's loading runs through the sync session's execute
            return ([tuple(r) for r in rows], [(m.id, m.name) for m in models],
                    [(m.id, m.name) for m in exec_models], (got.id, got.name))

        async with AsyncSession(engine) as session:
            expected = await answers(session)
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            async with create_session_factory(engine)() as session:
                assert await answers(session) == expected
        assert expected == ([(1, "a"), (2, "b")], [(1, "a"), (2, "b")], [(2, "b")], (1, "a"))
    finally:
        await engine.dispose()
