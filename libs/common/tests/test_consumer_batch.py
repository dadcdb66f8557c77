"""The consumer's batch path (issue 18): a fetch (every partition's records) applied in one transaction, its inbox rows claimed
in one statement, runs of a batch-handled type handed to the service's batch handler — with the per-event
path's effects, idempotency, order within a key, and the poison record dead-lettered in its place.

Records are built as the broker hands them (``to_kafka`` → ``ConsumerRecord``) and given to the consumer's
own methods against real PostgreSQL; the poison case runs through the real broker end to end."""

import asyncio
import dataclasses
import gc
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.structs import ConsumerRecord, TopicPartition
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.dialects.postgresql import insert

from backstop_common import topics
from backstop_common.consumer import EventConsumer
from backstop_common.envelope import Event, to_kafka
from backstop_common.kafka import Publisher, ensure_topics
from backstop_common.settings import ServiceSettings
from backstop_common.testing import (eventually, make_event, messaging_database, publish_events, read_events,
                                     stop_tasks)
from backstop_common.uow import UnitOfWork

TOPIC = topics.REGISTRY_HOUSEHOLD
#: what a handler leaves: per subject, the values it saw in the order it saw them
seen = Table("batch_seen", MetaData(), Column("subject", String, primary_key=True), Column("trail", String),
             Column("n", Integer))


class Anything(BaseModel):
    model_config = ConfigDict(extra="allow")


@pytest.fixture(scope="module")
async def db(pg_server):
    async with messaging_database(pg_server, "batch", seen) as (_, sessions):
        yield sessions


async def _note(uow: UnitOfWork, subject: str, value: str) -> None:
    stmt = insert(seen).values(subject=subject, trail=value, n=1)
    await uow.session.execute(stmt.on_conflict_do_update(
        index_elements=["subject"], set_={"trail": seen.c.trail + "," + value, "n": seen.c.n + 1}))


async def one(event: Event, data: Anything, uow: UnitOfWork) -> None:
    if data.model_extra.get("explode"):
        raise RuntimeError("cannot process this")
    await _note(uow, event.subject, str(data.model_extra["v"]))


class Batched:
    """A batch handler with the per-event one's effect (set-based here: one statement for the whole run)."""

    def __init__(self):
        self.runs: list[list[str]] = []

    async def __call__(self, events: list[tuple[Event, Anything]], uow: UnitOfWork) -> None:
        self.runs.append([e.subject for e, _ in events])
        if any(d.model_extra.get("explode") for _, d in events):
            raise RuntimeError("cannot process this batch")
        # one statement: it would refuse a key twice ("cannot affect row a second time"), runs never hold that
        await uow.session.execute(MANY, {"s": [e.subject for e, _ in events],
                                         "t": [str(d.model_extra["v"]) for _, d in events]})


class Whole(Batched):
    """A fetch handler: every record of the fetch, types mixed, several per key; it keeps their order itself."""

    async def __call__(self, events: list[tuple[Event, Anything]], uow: UnitOfWork) -> None:
        self.runs.append([(e.type == REGISTERED, e.subject) for e, _ in events])
        for event, data in events:
            await one(event, data, uow)


MANY = text("""INSERT INTO batch_seen (subject, trail, n) SELECT s, t, 1 FROM unnest(CAST(:s AS text[]), CAST(:t AS text[]))
AS x(s, t) ON CONFLICT (subject) DO UPDATE SET trail = batch_seen.trail || ',' || excluded.trail, n = batch_seen.n + 1""")


def _settings(bootstrap: str = "localhost:1", **kw) -> ServiceSettings:
    defaults = {"service_name": f"batch-{uuid.uuid4().hex[:6]}", "kafka_send_timeout_s": 1.0,
                "consumer_backoff_s": 0.01, "consumer_max_attempts": 2}
    return ServiceSettings(kafka_bootstrap_servers=bootstrap, **(defaults | kw))


REGISTERED = make_event("registry", "household.registered", "x", {}).type
OTHER = make_event("registry", "household.updated", "x", {}).type


def _consumer(db, batched: Batched | None, settings: ServiceSettings | None = None, publisher=None,
              topic: str = TOPIC) -> EventConsumer:
    """A ``Whole`` handler is given as the fetch handler, a ``Batched`` one as REGISTERED's batch handler."""
    settings = settings or _settings()
    whole = isinstance(batched, Whole)
    return EventConsumer(settings=settings, session_factory=db, publisher=publisher or Publisher(settings),
                         handlers={REGISTERED: one, OTHER: one}, models={REGISTERED: Anything, OTHER: Anything},
                         topics=[topic], batch_handlers={REGISTERED: batched} if batched and not whole else None,
                         fetch_handler=batched if whole else None)


def _items(consumer: EventConsumer, events: list[Event]) -> list:
    items = []
    for offset, event in enumerate(events):
        rec = to_kafka(event)
        record = ConsumerRecord(TOPIC, 0, offset, 0, 0, rec.key, rec.value, None, len(rec.key), len(rec.value),
                                tuple(rec.headers))
        items.append((*consumer.decode(record), record))
    return items


def _event(kind: str, subject: str, v) -> Event:
    return make_event("registry", kind, subject, {"v": v})


async def _trails(db, prefix: str) -> dict[str, str]:
    async with db() as session:
        rows = await session.execute(select(seen.c.subject, seen.c.trail).where(seen.c.subject.like(f"{prefix}%")))
        return dict(rows.all())


async def _inbox(db, group: str) -> int:
    async with db() as session:
        return (await session.execute(text("SELECT count(*) FROM inbox WHERE consumer = :g"), {"g": group})).scalar()


def test_runs_hold_one_type_and_one_event_per_key_in_partition_order():
    consumer = _consumer(None, Batched())
    events = [_event("household.registered", s, i) for i, s in enumerate("abca")]
    events[2:2] = [_event("household.updated", "b", 9)]
    events += [_event("household.registered", "d", 5)]
    runs = consumer.runs(_items(consumer, events))
    # another type ends a run (and is applied alone); after it "a" may come again in the next run
    assert [[(e.type == REGISTERED, e.subject) for e, _, _ in run] for run in runs] == [
        [(True, "a"), (True, "b")], [(False, "b")], [(True, "c"), (True, "a"), (True, "d")]]
    repeated = consumer.runs(_items(consumer, [_event("household.registered", s, 0) for s in "aab"]))
    assert [[e.subject for e, _, _ in run] for run in repeated] == [["a"], ["a", "b"]]


async def test_a_batch_leaves_what_one_by_one_leaves_in_order_and_once(db):
    """The same records through the batch handler and through the per-event handler alone: equal effects; the
    second event of a key lands after the first; a redelivered fetch changes nothing."""
    def stream(prefix: str) -> list[Event]:
        out = []
        for i in range(30):
            out.append(_event("household.registered", f"{prefix}{i % 7}", i))
            if i % 5 == 0:
                out.append(_event("household.updated", f"{prefix}{i % 7}", f"u{i}"))
        return out

    batched, alone = _consumer(db, Batched()), _consumer(db, None)
    handler = batched._batch_handlers[REGISTERED]
    assert await batched.apply_batch(_items(batched, stream("b-")))
    assert await alone.apply_batch(_items(alone, stream("o-")))
    by_batch, by_one = await _trails(db, "b-"), await _trails(db, "o-")
    assert {k[2:]: v for k, v in by_batch.items()} == {k[2:]: v for k, v in by_one.items()}
    expected: dict[str, list[str]] = {}
    for event in stream("b-"):
        expected.setdefault(event.subject, []).append(str(event.data["v"]))
    assert by_batch == {k: ",".join(v) for k, v in expected.items()}  # each key's own order, across runs and types
    assert by_batch["b-0"] == "0,u0,7,14,21,28"
    assert max(len(r) for r in handler.runs) > 1 and all(len(set(r)) == len(r) for r in handler.runs)

    again = _items(batched, stream("b-"))
    assert await batched.apply_batch(again)  # new ids: applied; now the same records once more
    after = await _trails(db, "b-")
    calls = len(handler.runs)
    assert await batched.apply_batch(again) and await batched.apply_batch(again + again)
    assert await _trails(db, "b-") == after and len(handler.runs) == calls  # nothing handled twice
    assert await _inbox(db, batched.group_id) == 2 * len(again)


async def test_a_fetch_handler_is_handed_the_whole_fetch_mixed_in_order(db):
    """With a fetch handler the fetch is not cut: every type and a key's several events in one call, in partition
    order; the effects equal one by one; a redelivered fetch is not handed over again."""
    def stream(prefix: str) -> list[Event]:  # each key alternates between two types, as risk and case do
        return [_event("household.registered" if i % 2 else "household.updated", f"{prefix}{i // 2 % 3}", i)
                for i in range(12)]

    whole, alone = _consumer(db, Whole()), _consumer(db, None)
    items = _items(whole, stream("w-"))
    assert whole.runs(items) == [items]
    assert await whole.apply_batch(items)
    assert await alone.apply_batch(_items(alone, stream("v-")))
    by_fetch = await _trails(db, "w-")
    assert {k[2:]: v for k, v in by_fetch.items()} == {k[2:]: v for k, v in (await _trails(db, "v-")).items()}
    assert by_fetch == {"w-0": "0,1,6,7", "w-1": "2,3,8,9", "w-2": "4,5,10,11"}
    assert whole._fetch_handler.runs == [[(i % 2 == 1, f"w-{i // 2 % 3}") for i in range(12)]]

    assert await whole.apply_batch(items + items)  # the same fetch again: nothing applied, nothing handed over
    assert await _trails(db, "w-") == by_fetch and len(whole._fetch_handler.runs) == 1
    assert await _inbox(db, whole.group_id) == len(items)


async def test_a_failing_fetch_keeps_nothing(db):
    whole = _consumer(db, Whole())
    events = [_event("household.registered", "f-a", 1), _event("household.updated", "f-a", 2),
              make_event("registry", "household.registered", "f-b", {"v": "bad", "explode": True})]
    assert not await whole.apply_batch(_items(whole, events))  # the caller falls back to one at a time
    assert await _trails(db, "f-") == {} and await _inbox(db, whole.group_id) == 0
    assert len(whole._fetch_handler.runs) == 1


@pytest.mark.parametrize("handler", [Batched, Whole], ids=["batch-handler", "fetch-handler"])
async def test_a_poison_record_in_a_batch_is_dead_lettered_in_its_place(db, kafka_bootstrap, handler):
    """The batch fails as a whole and keeps nothing; one record at a time, the poison one goes to the DLQ
    after its retries and every other record of the fetch is applied once, in order."""
    topic = f"test.batch.{uuid.uuid4().hex[:6]}"  # one partition, no other test's records
    await ensure_topics(kafka_bootstrap, [topic, topics.dlq(topic)], partitions=1)
    settings = _settings(kafka_bootstrap)
    publisher = Publisher(settings)
    handler = handler()
    consumer = _consumer(db, handler, settings, publisher, topic)
    key = f"p-{uuid.uuid4().hex[:6]}"
    bad = make_event("registry", "household.registered", f"{key}-bad", {"v": "bad", "explode": True})
    events = [_event("household.registered", f"{key}-{i % 3}", i) for i in range(6)]
    events.insert(3, bad)
    await publish_events(kafka_bootstrap, topic, events)  # all there before the consumer's first fetch
    task = asyncio.create_task(consumer.run())
    try:
        assert await eventually(lambda: _inbox(db, consumer.group_id), timeout=60)

        async def done():
            return len(await _trails(db, key)) == 3 and await _inbox(db, consumer.group_id) == 6
        assert await eventually(done, timeout=60)
        assert await _trails(db, key) == {f"{key}-0": "0,3", f"{key}-1": "1,4", f"{key}-2": "2,5"}
        dead = await read_events(kafka_bootstrap, topics.dlq(topic), until=lambda e: len(e) >= 1,
                                 where=lambda e: e.id == bad.id)
        assert [e.id for e in dead] == [bad.id]
        assert any(len(run) > 1 for run in handler.runs)  # it was tried as a batch first
    finally:
        await stop_tasks(task)
        await publisher.close()


async def test_a_fetch_of_several_partitions_is_one_transaction_and_one_commit(db, kafka_bootstrap):
    """Every partition's records of a fetch go to the fetch handler in one call (each partition's in its order, so
    each key's), and the offsets of every partition are committed once they are applied."""
    topic = f"test.batch.{uuid.uuid4().hex[:6]}"
    await ensure_topics(kafka_bootstrap, [topic, topics.dlq(topic)], partitions=3)
    settings = _settings(kafka_bootstrap)
    publisher = Publisher(settings)
    whole = Whole()
    consumer = _consumer(db, whole, settings, publisher, topic)
    while True:  # six keys on more than one partition (murmur2 puts all six of a random prefix on one ~0.5 %)
        key = f"m-{uuid.uuid4().hex[:6]}"
        partition_of = {f"{key}-{k}": DefaultPartitioner()(f"{key}-{k}".encode(), [0, 1, 2], [0, 1, 2])
                        for k in range(6)}
        if len(set(partition_of.values())) > 1:
            break
    events = [_event("household.registered", f"{key}-{i % 6}", i) for i in range(24)]
    await publish_events(kafka_bootstrap, topic, events)  # all there before the consumer's first fetch
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    task = asyncio.create_task(consumer.run())
    try:
        async def committed():
            offsets = await admin.list_consumer_group_offsets(
                consumer.group_id, partitions=[TopicPartition(topic, p) for p in range(3)])
            return sum(max(meta.offset, 0) for meta in offsets.values()) == len(events)
        assert await eventually(committed, timeout=60)
        assert await _trails(db, key) == {f"{key}-{k}": ",".join(str(i) for i in range(k, 24, 6)) for k in range(6)}
        assert any(len({partition_of[subject] for _, subject in call}) > 1 for call in whole.runs)
    finally:
        await stop_tasks(task)
        await admin.close()
        await publisher.close()


def test_a_record_of_a_type_without_a_handler_is_skipped_unparsed():
    consumer = _consumer(None, None)
    unhandled = ConsumerRecord(TOPIC, 0, 0, 0, 0, b"k", b"not json at all", None, 1, 15,
                               (("ce_type", b"backstop.registry.household.archived.v1"),))
    handled = to_kafka(_event("household.registered", "s", 1))
    bare = ConsumerRecord(TOPIC, 0, 1, 0, 0, b"k", b"{}", None, 1, 2, ())
    assert not consumer.wanted(unhandled)
    assert consumer.wanted(ConsumerRecord(TOPIC, 0, 2, 0, 0, handled.key, handled.value, None, 1, 1,
                                          tuple(handled.headers)))
    assert consumer.wanted(bare)  # no type to go by: parsed, and dead-lettered as unparseable
    with pytest.raises(ValueError):
        consumer.decode(bare)


def test_a_batch_handler_needs_its_per_event_twin(db):
    settings = _settings()
    with pytest.raises(ValueError, match="without a per-event handler"):
        EventConsumer(settings=settings, session_factory=db, publisher=Publisher(settings), handlers={},
                      models={REGISTERED: Anything}, topics=[TOPIC], batch_handlers={REGISTERED: Batched()})


def test_a_fetch_handler_or_batch_handlers_not_both(db):
    settings = _settings()
    with pytest.raises(ValueError, match="not both"):
        EventConsumer(settings=settings, session_factory=db, publisher=Publisher(settings),
                      handlers={REGISTERED: one}, models={REGISTERED: Anything}, topics=[TOPIC],
                      batch_handlers={REGISTERED: Batched()}, fetch_handler=Whole())


async def test_the_collector_is_paused_while_a_fetch_is_applied_and_back_after_it_even_when_it_fails(db):
    """A fetch's records are decoded and applied with Python's cyclic collector off (thousands of small acyclic
    objects set it walking the heap); it is on again after the fetch, also after a batch that failed (as a
    deadlock fails it) and went one record at a time."""
    class Watching(Batched):
        fail = False

        async def __call__(self, events, uow):
            collector.append(gc.isenabled())
            if self.fail:
                raise RuntimeError("deadlock detected")
            await super().__call__(events, uow)
    collector: list[bool] = []
    watching = Watching()
    consumer = _consumer(db, watching)
    tag = uuid.uuid4().hex[:6]

    def fetch(first: int, last: int) -> dict:
        events = [_event("household.registered", f"{tag}-{i}", i) for i in range(first, last)]
        return {TopicPartition(TOPIC, 0): [r for _, _, r in _items(consumer, events)]}
    assert gc.isenabled()
    await consumer._apply_fetch(fetch(0, 3))
    assert collector == [False] and gc.isenabled()
    watching.fail = True
    await consumer._apply_fetch(fetch(3, 5))
    assert collector == [False, False] and gc.isenabled()
    assert await _trails(db, tag) == {f"{tag}-{i}": str(i) for i in range(5)}


async def test_a_batch_logs_a_line_for_each_type_and_request_under_its_correlation_id(db, monkeypatch):
    """A bulk import's registrations (one request) are one line a fetch, not one an event; a request's trail still
    runs through the log (its correlation id on the line), and a lone event's line names it."""
    from asgi_correlation_id import correlation_id

    from backstop_common import consumer as consumer_module

    lines: list[dict] = []

    class Recorder:
        def info(self, event: str, **fields) -> None:
            lines.append({"event": event, "correlation_id": correlation_id.get(), **fields})

    monkeypatch.setattr(consumer_module, "log", Recorder())
    batched = _consumer(db, Batched())
    imported = [make_event("registry", "household.registered", f"l-{i}", {"v": i}, correlation_id="import-1")
                for i in range(5)]
    alone = make_event("registry", "household.updated", "l-0", {"v": "u"}, correlation_id="visit-2")
    other = [make_event("registry", "household.registered", f"l-{i}", {"v": i}, correlation_id="visit-3")
             for i in (7, 8)]
    assert await batched.apply_batch(_items(batched, [*imported, alone, *other]))
    assert sorted((line["event"], line["correlation_id"], line.get("events")) for line in lines) == [
        ("event.applied", "visit-2", None), ("events.applied", "import-1", 5), ("events.applied", "visit-3", 2)]
    [lone] = [line for line in lines if line["event"] == "event.applied"]
    assert lone["event_id"] == str(alone.id) and lone["subject"] == "l-0" and lone["event_type"] == alone.type


@pytest.mark.parametrize("handler", [Batched, Whole], ids=["batch-handler", "fetch-handler"])
async def test_a_fetch_of_one_record_goes_to_the_batch_or_fetch_handler(db, handler):
    """A fetch's only record of a type with a batch handler (or any type, with a fetch handler) is handed to it as a
    run of one — a stream of single writes hands a consumer one record a fetch, and monitoring's per-event handlers
    go through the ORM — with its inbox row in the same transaction: applied once, a redelivery skipped and
    counted as a duplicate. A lone record of a type with only a per-event handler is applied alone; a lone record
    whose batch fails is applied alone after it."""
    from backstop_common.metrics import EVENTS_APPLIED

    class Failing(handler):
        fail = False

        async def __call__(self, events, uow):
            await super().__call__(events, uow)
            if self.fail:
                raise RuntimeError("deadlock detected")
    batched = Failing()
    consumer = _consumer(db, batched)
    tag = uuid.uuid4().hex[:6]

    def fetch(event: Event, offset: int) -> dict:
        [(_, _, record)] = _items(consumer, [event])
        return {TopicPartition(TOPIC, 0): [dataclasses.replace(record, offset=offset)]}
    first = _event("household.registered", f"{tag}-a", 1)
    duplicates = EVENTS_APPLIED.labels(REGISTERED, "duplicate")._value.get()
    await consumer._apply_fetch(fetch(first, 0))
    assert len(batched.runs) == 1 and await _trails(db, tag) == {f"{tag}-a": "1"} and await _inbox(
        db, consumer.group_id) == 1
    await consumer._apply_fetch(fetch(first, 1))  # redelivered: the inbox skips it
    assert await _trails(db, tag) == {f"{tag}-a": "1"} and await _inbox(db, consumer.group_id) == 1
    assert EVENTS_APPLIED.labels(REGISTERED, "duplicate")._value.get() == duplicates + 1
    runs = len(batched.runs)
    await consumer._apply_fetch(fetch(_event("household.updated", f"{tag}-b", 2), 2))
    assert len(batched.runs) == runs + (handler is Whole)  # a per-event type alone, unless a fetch handler takes all
    batched.fail = True
    await consumer._apply_fetch(fetch(_event("household.registered", f"{tag}-c", 3), 3))
    assert len(batched.runs) == runs + (handler is Whole) + 1  # tried as a batch of one, then alone
    assert await _trails(db, tag) == {f"{tag}-a": "1", f"{tag}-b": "2", f"{tag}-c": "3"}
    assert await _inbox(db, consumer.group_id) == 3
