"""A subject's events keep their written order when its writers share no row lock (``UnitOfWork.hold_subjects``).

The relay publishes the outbox in ``seq`` order, and ``seq`` is drawn at the insert. Two transactions publishing for
one subject — two notification dispatchers reporting two deliveries of one message — could commit in the other order
than they drew; the relay would then put the later-drawn one on the wire first. The CI run of stop 24 saw exactly
that in ``tests/test_replicas.py``. Real PostgreSQL: the second writer waits on the first until it ends.
"""

import asyncio
import uuid

import pytest
from sqlalchemy import select

from backstop_common import topics
from backstop_common.messaging_models import OutboxMessage
from backstop_common.testing import eventually, messaging_database, waiting_on_a_lock
from backstop_common.uow import UnitOfWork

TOPIC = topics.NOTIFICATIONS_DELIVERY


@pytest.fixture
async def db(pg_server):
    async with messaging_database(pg_server, "subjects", pool_size=4) as (_, sessions):
        yield sessions


async def _publish(sessions, subjects: list[str], started: asyncio.Event, release: asyncio.Event) -> None:
    async with sessions() as session:
        uow = UnitOfWork(session, "subjectsvc")
        await uow.hold_subjects(TOPIC, subjects)
        await uow.publish_all(TOPIC, [("notification.delivered", s, {"s": s}, None) for s in subjects])
        started.set()
        await release.wait()
        await uow.commit()


async def test_a_second_writer_of_a_subject_waits_for_the_first_to_commit_and_comes_after_it(db):
    message, other = str(uuid.uuid4()), str(uuid.uuid4())
    first_in, second_in, release_first, release_second = (asyncio.Event() for _ in range(4))
    release_second.set()
    first = asyncio.create_task(_publish(db, [message], first_in, release_first))
    await first_in.wait()  # its row is inserted (seq drawn), not committed
    second = asyncio.create_task(_publish(db, [other, message], second_in, release_second))
    assert await eventually(lambda: waiting_on_a_lock(db), timeout=10)
    assert not second_in.is_set()  # it holds no row of its own yet: nothing it could put before the first's
    release_first.set()
    await asyncio.gather(first, second)
    async with db() as session:
        rows = (await session.execute(select(OutboxMessage.subject, OutboxMessage.seq)
                                      .where(OutboxMessage.subject.in_([message, other]))
                                      .order_by(OutboxMessage.seq))).all()
    assert [subject for subject, _ in rows] == [message, other, message]


async def test_writers_of_different_subjects_do_not_wait_for_each_other(db):
    held, free, release = asyncio.Event(), asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(_publish(db, [str(uuid.uuid4())], held, release))
    await held.wait()
    done = asyncio.Event()
    done.set()
    await asyncio.wait_for(_publish(db, [str(uuid.uuid4())], free, done), timeout=30)  # would hang if it waited
    release.set()
    await first
