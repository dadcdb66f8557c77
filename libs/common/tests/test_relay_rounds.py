"""The outbox relay's rounds (issue 18): what a stream of commits gives the broker, and a wake never lost.

Real PostgreSQL and the real broker. Rounds are paced (``outbox_round_gap_ms``) and take what gathered; on the
wire every event is there once and each key's events come in the order they were committed.
"""

import asyncio
import json
import uuid
from collections import defaultdict

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import select, text, update

from backstop_common import devstack, topics
from backstop_common.broker_watch import WATCH_LOCK
from backstop_common.kafka import BrokerUnavailable, Publisher, ensure_topics
from backstop_common.messaging_models import OutboxMessage
from backstop_common.outbox import OutboxRelay
from backstop_common.settings import ServiceSettings
from backstop_common.testing import eventually, messaging_database, read_events, stop_tasks, waiting_on_a_lock
from backstop_common.uow import UnitOfWork

TOPIC = topics.REGISTRY_HOUSEHOLD


@pytest.fixture
async def db(pg_server):
    async with messaging_database(pg_server, "relay", pool_size=4) as (_, sessions):
        yield sessions


def _settings(bootstrap: str, **kw) -> ServiceSettings:
    return ServiceSettings(**({"service_name": "relaysvc", "kafka_bootstrap_servers": bootstrap,
                               "kafka_send_timeout_s": 5.0} | kw))


async def _commit(sessions, relay: OutboxRelay, subject: str, i: int) -> uuid.UUID:
    """One event in its own transaction, waking the relay as a service's commit does."""
    async with sessions() as session:
        uow = UnitOfWork(session, "relaysvc", relay.wake)
        event = uow.publish(TOPIC, "household.registered", subject=subject, data={"i": i}, area_code="211204001001")
        await uow.commit()
        return event.id


def _by_subject(events) -> dict[str, list[uuid.UUID]]:
    """The ids of events (or outbox rows) subject by subject, in the order given."""
    order = defaultdict(list)
    for event in events:
        order[event.subject].append(event.id)
    return order


async def _written(sessions, subjects: list[str]) -> dict[str, list[uuid.UUID]]:
    """The subjects' events as the outbox holds them, in the order they were written."""
    async with sessions() as session:
        return _by_subject(await session.execute(
            select(OutboxMessage.subject, OutboxMessage.id)
            .where(OutboxMessage.subject.in_(subjects)).order_by(OutboxMessage.seq)))


async def test_a_stream_of_commits_reaches_the_broker_once_each_in_each_keys_order(db, kafka_bootstrap):
    settings = _settings(kafka_bootstrap, outbox_round_gap_ms=50.0, outbox_batch_size=7)
    publisher = Publisher(settings)
    relay = OutboxRelay(db, publisher, settings)
    task = asyncio.create_task(relay.run())
    tag = uuid.uuid4().hex[:6]
    subjects = [f"{tag}-{k}" for k in range(5)]
    try:
        # 5 writers, 12 commits each, interleaved: rounds gather several and some fill a batch of 7
        async def writer(subject: str) -> None:
            for i in range(12):
                await _commit(db, relay, subject, i)
        await asyncio.gather(*(writer(s) for s in subjects))
        written = await _written(db, subjects)
        on_wire = await read_events(kafka_bootstrap, TOPIC, until=lambda evs: len(evs) >= 60, timeout=60,
                                    where=lambda e: e.subject in subjects)
        assert len(on_wire) == 60 and len({e.id for e in on_wire}) == 60
        assert _by_subject(on_wire) == written
    finally:
        await stop_tasks(task)
        await publisher.close()


async def test_an_events_data_goes_out_as_the_outbox_holds_it(db, kafka_bootstrap):
    """The relay sends a row's data as PostgreSQL writes its jsonb out, never parsed and encoded again: the same
    data on the wire, its Chinese as UTF-8 (Python's json would have escaped it)."""
    settings = _settings(kafka_bootstrap)
    publisher = Publisher(settings)
    relay = OutboxRelay(db, publisher, settings)
    subject = f"utf8-{uuid.uuid4().hex[:6]}"
    data = {"village_name": "清河村", "size": 4, "members": [{"relation": "户主", "age": 44}], "income": "6532.50",
            "share": 0.125, "monitored": None}
    async with db() as session:
        uow = UnitOfWork(session, "relaysvc", relay.wake)
        uow.publish(TOPIC, "household.registered", subject=subject, data=data, area_code="211204001001")
        await uow.commit()
    task = asyncio.create_task(relay.run())
    consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        async def ours() -> list[bytes]:
            while True:
                fetched = await consumer.getmany(timeout_ms=200)
                found = [r.value for rs in fetched.values() for r in rs if r.key == subject.encode()]
                if found:
                    return found
        (value,) = await asyncio.wait_for(ours(), 30)
        assert "清河村".encode() in value and "户主".encode() in value and b"\\u" not in value
        assert json.loads(value) == data
    finally:
        await consumer.stop()
        await stop_tasks(task)
        await publisher.close()


async def test_a_commit_during_a_round_is_published_without_waiting_for_the_timer(db, kafka_bootstrap):
    """The wake of a commit made while a round runs starts the next round; the safety-net timer (an hour
    here) is never what sends it."""
    settings = _settings(kafka_bootstrap, outbox_poll_interval_s=3600.0, outbox_round_gap_ms=0.0)
    publisher = Publisher(settings)
    relay = OutboxRelay(db, publisher, settings)
    send_many, late = publisher.send_many, []
    subject = f"during-{uuid.uuid4().hex[:6]}"

    async def send_and_commit_another(records):
        if not late:  # the first round: another transaction commits (and wakes) while it is at the broker
            late.append(await _commit(db, relay, subject, 1))
        return await send_many(records)
    publisher.send_many = send_and_commit_another
    first = await _commit(db, relay, subject, 0)
    task = asyncio.create_task(relay.run())
    try:
        on_wire = await read_events(kafka_bootstrap, TOPIC, until=lambda evs: len(evs) >= 2, timeout=60,
                                    where=lambda e: e.subject == subject)
        assert [e.id for e in on_wire] == [first, *late]
    finally:
        await stop_tasks(task)
        await publisher.close()


async def test_a_full_batch_is_followed_at_once_by_the_rest(db, kafka_bootstrap):
    """Rows beyond one batch go in the next rounds without another commit to wake the relay."""
    settings = _settings(kafka_bootstrap, outbox_poll_interval_s=3600.0, outbox_batch_size=4)
    publisher = Publisher(settings)
    relay = OutboxRelay(db, publisher, settings)
    subject = f"full-{uuid.uuid4().hex[:6]}"
    ids = [await _commit(db, relay, subject, i) for i in range(10)]
    task = asyncio.create_task(relay.run())
    try:
        on_wire = await read_events(kafka_bootstrap, TOPIC, until=lambda evs: len(evs) >= 10, timeout=60,
                                    where=lambda e: e.subject == subject)
        assert [e.id for e in on_wire] == ids

        async def all_sent() -> bool:
            async with db() as session:
                rows = await session.execute(select(OutboxMessage.sent_at).where(OutboxMessage.subject == subject))
                return all(sent is not None for sent, in rows)
        assert await eventually(all_sent)
    finally:
        await stop_tasks(task)
        await publisher.close()


class _Held:
    """The real publisher behind a gate: a round that reached it waits there until the test lets it go on."""

    def __init__(self, publisher: Publisher):
        self._publisher, self.reached, self.go_on = publisher, asyncio.Event(), asyncio.Event()

    async def send_many(self, records):
        self.reached.set()
        await self.go_on.wait()
        return await self._publisher.send_many(records)


async def test_a_second_relay_waits_for_the_round_in_progress_and_publishes_only_what_it_left(db, kafka_bootstrap):
    """Replicas' relays publish one at a time: a relay whose round starts while another's is at the broker waits
    for that round to commit, leaves out every row it published and takes the rest, the later commits too."""
    settings = _settings(kafka_bootstrap)
    publisher = Publisher(settings)
    held = _Held(publisher)
    first, second = OutboxRelay(db, held, settings), OutboxRelay(db, publisher, settings)
    tag = uuid.uuid4().hex[:6]
    subjects = [f"second-{tag}-{k}" for k in range(2)]
    try:
        for i in range(6):
            await _commit(db, first, subjects[i % 2], i)
        in_progress = asyncio.create_task(first.drain_once())
        await held.reached.wait()  # its six rows are taken, not marked
        waiting = asyncio.create_task(second.drain_once())
        assert await eventually(lambda: waiting_on_a_lock(db), timeout=10)
        for i in range(6, 10):  # committed while the second waits
            await _commit(db, first, subjects[i % 2], i)
        assert not waiting.done()
        held.go_on.set()
        assert await in_progress == 6
        taken = await waiting
        while (more := await second.drain_once()) > 0:
            taken += more
        assert taken == 4
        on_wire = await read_events(kafka_bootstrap, TOPIC, until=lambda evs: len(evs) >= 10, timeout=60,
                                    where=lambda e: e.subject in subjects)
        assert len(on_wire) == 10 and len({e.id for e in on_wire}) == 10
        assert _by_subject(on_wire) == await _written(db, subjects)
    finally:
        await publisher.close()


async def test_a_round_that_waited_for_the_broker_check_publishes_first_what_the_check_queued_again(db, kafka_bootstrap):
    """The broker check (``BrokerWatch``, here another replica's) holds the publishers' lock while it queues again
    what a broker that lost its log had not given out. A round that waited for it reads the outbox as the check
    left it — the event queued again goes before the household's later one, not after it (a round whose rows were
    read with a snapshot older than the lock would publish the later one first)."""
    settings = _settings(kafka_bootstrap)
    publisher = Publisher(settings)
    relay = OutboxRelay(db, publisher, settings)
    subject = f"again-{uuid.uuid4().hex[:6]}"
    try:
        first = await _commit(db, relay, subject, 0)
        while await relay.drain_once():
            pass
        later = await _commit(db, relay, subject, 1)
        async with db() as check:
            await check.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WATCH_LOCK})
            waiting = asyncio.create_task(relay.drain_once())
            assert await eventually(lambda: waiting_on_a_lock(db), timeout=10)
            await check.execute(update(OutboxMessage).where(OutboxMessage.id == first).values(sent_at=None))
            await check.commit()
        assert await waiting == 2
        on_wire = await read_events(kafka_bootstrap, TOPIC, until=lambda evs: len(evs) >= 3, timeout=60,
                                    where=lambda e: e.subject == subject)
        assert [e.id for e in on_wire] == [first, first, later]
    finally:
        await publisher.close()


async def test_rounds_the_broker_does_not_take_in_time_shrink_and_grow_back(db, tmp_path):
    """A round the broker does not take within the send timeout (here: no broker yet) is retried with half the rows,
    down to one, instead of the same full batch again; once the broker takes them, each full round doubles them
    back to the batch size, and every event reaches it in its key's order."""
    port = devstack.free_port()
    bootstrap = f"127.0.0.1:{port}"
    settings = _settings(bootstrap, outbox_batch_size=8, kafka_send_timeout_s=3.0)
    publisher = Publisher(settings)
    relay = OutboxRelay(db, publisher, settings)
    tag = uuid.uuid4().hex[:6]
    subjects = [f"shrink-{tag}-{k}" for k in range(3)]
    for i in range(60):
        await _commit(db, relay, subjects[i % 3], i)
    written = await _written(db, subjects)
    task, broker = asyncio.create_task(relay.run()), None
    try:
        assert await eventually(lambda: relay.round_rows == 1, timeout=90)
        broker = devstack.start_broker(port, tmp_path / "broker.log")
        await ensure_topics(bootstrap, [TOPIC])
        on_wire = await read_events(bootstrap, TOPIC, until=lambda evs: len({e.id for e in evs}) >= 60, timeout=60,
                                    where=lambda e: e.subject in subjects)
        # a round that timed out half-sent is sent again: consumers skip the copies
        assert {s: list(dict.fromkeys(ids)) for s, ids in _by_subject(on_wire).items()} == written
        assert await eventually(lambda: relay.round_rows == 8, timeout=30)
    finally:
        await stop_tasks(task)
        await publisher.close()
        if broker is not None:
            devstack.stop(broker)


class _Failing:
    """A publisher whose send, once the test lets it go on, fails (``BrokerUnavailable``)."""

    def __init__(self):
        self.reached, self.go_on = asyncio.Event(), asyncio.Event()

    async def send_many(self, records):
        self.reached.set()
        await self.go_on.wait()
        raise BrokerUnavailable("no broker here")


async def _lock_free_and_none_in_a_transaction(sessions) -> bool:
    """Another connection could take the publishers' lock now, and no connection of the database is left inside a
    transaction (a round's, begun on the driver)."""
    async with sessions() as session:
        taken = await session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": WATCH_LOCK})
        stuck = await session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state LIKE 'idle in transaction%'"))
        return bool(taken) and stuck == 0


@pytest.mark.parametrize("hang", [False, True], ids=["the send fails", "the round is cancelled"])
async def test_a_round_that_fails_or_is_cancelled_leaves_no_transaction_nor_lock_behind(db, hang):
    """A round's transaction is begun on the pooled connection's driver, below SQLAlchemy: the pool's return would not
    roll it back. A round the broker refuses rolls back (its rows stay unsent, the next round takes them); one
    cancelled at the broker (a service stopping) closes its connection. Either way the lock goes with it."""
    settings = _settings("127.0.0.1:1")
    failing = _Failing()
    relay = OutboxRelay(db, failing, settings)
    subject = f"fails-{uuid.uuid4().hex[:6]}"
    event = await _commit(db, relay, subject, 0)
    round_ = asyncio.create_task(relay.drain_once())
    await failing.reached.wait()
    assert not await _lock_free_and_none_in_a_transaction(db)  # the round holds both while at the broker
    if hang:
        await stop_tasks(round_)
    else:
        failing.go_on.set()
        with pytest.raises(BrokerUnavailable):
            await round_
    assert await eventually(lambda: _lock_free_and_none_in_a_transaction(db), timeout=10)
    async with db() as session:
        assert await session.scalar(select(OutboxMessage.sent_at).where(OutboxMessage.id == event)) is None
