"""What the relay holds for consumer groups (``OutboxHeld``, a row a round and partition): a broker that lost its log
is given again exactly the events not known read, what every group has read is forgotten and may be purged, and
marking events sent leaves the outbox's indexes alone.

Real PostgreSQL and the real broker. A lost log is shown to the watch as a partition ending before its mark (what a
broker restarted empty reports; ``tests/test_faults.py`` restarts the broker itself).
"""

import uuid
from datetime import timedelta

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from sqlalchemy import func, select, text, update

from backstop_common import topics
from backstop_common.broker_watch import BrokerWatch
from backstop_common.clock import Clock
from backstop_common.kafka import Publisher
from backstop_common.messaging_models import OutboxHeld, OutboxMessage
from backstop_common.outbox import OutboxRelay, purge_sent
from backstop_common.settings import ServiceSettings
from backstop_common.testing import messaging_database
from backstop_common.uow import UnitOfWork

TOPIC = topics.REGISTRY_HOUSEHOLD


@pytest.fixture
async def db(pg_server):
    async with messaging_database(pg_server, "watch", pool_size=4) as (_, sessions):
        yield sessions


@pytest.fixture
def group(monkeypatch) -> str:
    """The topic's one consumer group, of this test alone (the broker is shared)."""
    name = f"watch-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(topics.CONSUMERS, TOPIC, (name,))
    return name


@pytest.fixture
async def relay_and_watch(db, kafka_bootstrap, group):
    settings = ServiceSettings(service_name="watchsvc", kafka_bootstrap_servers=kafka_bootstrap,
                               kafka_send_timeout_s=5.0)
    publisher, watch = Publisher(settings), BrokerWatch(db, settings)
    try:
        yield OutboxRelay(db, publisher, settings, watch), watch
    finally:
        await watch.close()
        await publisher.close()


async def _sent(sessions, relay: OutboxRelay, count: int) -> list[int]:
    """``count`` events committed one a transaction and relayed; their outbox ``seq``."""
    async with sessions() as session:
        for i in range(count):
            UnitOfWork(session, "watchsvc").publish(TOPIC, "household.registered", subject=str(uuid.uuid4()),
                                                    data={"i": i})
            await session.commit()
    while await relay.drain_once():
        pass
    async with sessions() as session:
        return list((await session.execute(select(OutboxMessage.seq).order_by(OutboxMessage.seq))).scalars())


async def _held(sessions) -> list[tuple[TopicPartition, int, list[int]]]:
    async with sessions() as session:
        rows = await session.execute(select(OutboxHeld.topic, OutboxHeld.partition, OutboxHeld.last_offset,
                                            OutboxHeld.seqs))
        return sorted((TopicPartition(t, p), last, seqs) for t, p, last, seqs in rows)


async def test_a_broker_that_lost_its_log_is_given_again_every_event_held_and_nothing_else(db, relay_and_watch):
    relay, watch = relay_and_watch
    seqs = await _sent(db, relay, 6)
    held = await _held(db)
    assert sorted(s for _, _, round_seqs in held for s in round_seqs) == seqs
    async with db() as session:
        await session.execute(text("UPDATE outbox_marks SET mark = mark + 1000000"))  # every log ends before it
        await session.commit()

    assert await watch.check() == 6
    assert await _held(db) == []  # the new log starts anew
    async with db() as session:
        assert await session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == 6
    assert await relay.drain_once() == 6
    assert sorted(s for _, _, round_seqs in await _held(db) for s in round_seqs) == seqs


async def test_what_every_group_read_is_forgotten_and_then_purged(db, relay_and_watch, group, kafka_bootstrap):
    relay, watch = relay_and_watch
    await _sent(db, relay, 4)
    held = await _held(db)
    read, unread = held[0], held[1:]  # one partition's round read past, the others not
    reader = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        reader.assign([read[0]])
        await reader.commit({read[0]: OffsetAndMetadata(read[1] + 1, "")})
    finally:
        await reader.stop()

    assert await watch.check() == 0
    assert await _held(db) == unread
    clock = Clock()
    async with db() as session:
        await session.execute(update(OutboxMessage).values(created_at=clock.now() - timedelta(days=40)))
        assert await purge_sent(session, clock.now(), retention_days=30) == len(read[2])
        await session.commit()
        kept = set((await session.execute(select(OutboxMessage.seq))).scalars())
    assert kept == {s for _, _, round_seqs in unread for s in round_seqs}


async def test_marking_events_sent_adds_no_index_entry_for_where_they_went(db, relay_and_watch):
    """The placement is a row a round and partition: the outbox's own indexes are those of the unsent lookup, the
    ids and the replay window, and a round's mark changes no column of them but ``sent_at``."""
    relay, _ = relay_and_watch
    await _sent(db, relay, 3)
    async with db() as session:
        indexed = set((await session.execute(text(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'outbox'::regclass"))).scalars())
    assert indexed == {"seq", "id", "created_at"}
