"""Outbox relay and idempotent consumer against real PostgreSQL and a real Tansu broker."""

import asyncio
import uuid

import pytest
from prometheus_client import REGISTRY
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.dialects.postgresql import insert

from backstop_common import devstack, topics
from backstop_common.consumer import EventConsumer
from backstop_common.envelope import Event
from backstop_common.kafka import Publisher, ensure_topics
from backstop_common.messaging_models import OutboxMessage
from backstop_common.outbox import OutboxRelay
from backstop_common.settings import ServiceSettings
from backstop_common.testing import (eventually, make_event, messaging_database, publish_events, read_events,
                                     stop_tasks)
from backstop_common.uow import UnitOfWork

TOPIC = topics.REGISTRY_HOUSEHOLD
effects = Table("effects", MetaData(), Column("subject", String, primary_key=True), Column("n", Integer))


@pytest.fixture(scope="module")
async def db(pg_server):
    async with messaging_database(pg_server, "common", effects) as (_, sessions):
        yield sessions


def _settings(bootstrap: str, **kw) -> ServiceSettings:
    defaults = {"service_name": "testsvc", "kafka_send_timeout_s": 1.0, "consumer_backoff_s": 0.01,
                "consumer_max_attempts": 3}
    return ServiceSettings(kafka_bootstrap_servers=bootstrap, **(defaults | kw))


async def _write(sessions, n: int, subject: str) -> list[uuid.UUID]:
    """n events of one aggregate (one key, so one partition and one order)."""
    ids = []
    for i in range(n):
        async with sessions() as session:
            uow = UnitOfWork(session, "testsvc")
            ids.append(uow.publish(TOPIC, "household.registered", subject=subject,
                                   data={"i": i}, area_code="211204001001").id)
            await uow.commit()
    return ids


async def _unsent(sessions) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).where(OutboxMessage.sent_at.is_(None)))).scalar_one()


async def test_relay_survives_a_broker_outage_and_drains_in_order(db, tmp_path):
    port = devstack.free_port()
    bootstrap = f"127.0.0.1:{port}"
    broker = devstack.start_broker(port, tmp_path / "b1.log")
    await ensure_topics(bootstrap, [TOPIC])
    publisher = Publisher(_settings(bootstrap))
    relay = OutboxRelay(db, publisher, _settings(bootstrap, outbox_poll_interval_s=0.2))
    task = asyncio.create_task(relay.run())
    try:
        first = await _write(db, 3, "before")
        assert await eventually(lambda: _zero(db))
        devstack.stop(broker)
        during = await _write(db, 5, "during")  # writes never block on the broker
        await asyncio.sleep(1.5)
        assert await _unsent(db) == 5
        broker = devstack.start_broker(port, tmp_path / "b2.log")  # memory broker: empty again
        await ensure_topics(bootstrap, [TOPIC])
        assert await eventually(lambda: _zero(db), timeout=30)
        events = await read_events(bootstrap, TOPIC, until=lambda evs: len(evs) >= 5)
        assert [e.id for e in events if e.subject == "during"] == during
        assert not set(first) & {e.id for e in events}
    finally:
        await stop_tasks(task)
        await publisher.close()
        devstack.stop(broker)


async def _zero(sessions) -> bool:
    return await _unsent(sessions) == 0


async def _count_effect(sessions, subject: str) -> int | None:
    async with sessions() as session:
        return (await session.execute(select(effects.c.n).where(effects.c.subject == subject))).scalar()


class Anything(BaseModel):
    """A payload model that takes any object (this test is about delivery, not about payloads)."""

    model_config = ConfigDict(extra="allow")


async def test_consumer_applies_once_dead_letters_poison_and_keeps_flowing(db, kafka_bootstrap):
    async def count(event: Event, data: Anything, uow: UnitOfWork) -> None:
        if event.data.get("explode"):
            raise RuntimeError("handler cannot process this")
        stmt = insert(effects).values(subject=event.subject, n=1)
        await uow.session.execute(stmt.on_conflict_do_update(index_elements=["subject"], set_={"n": effects.c.n + 1}))

    settings = _settings(kafka_bootstrap, service_name=f"consumer-{uuid.uuid4().hex[:6]}")
    publisher = Publisher(settings)
    handled = make_event("registry", "household.registered", "h-1", {"x": 1})
    consumer = EventConsumer(settings=settings, session_factory=db, publisher=publisher,
                             handlers={handled.type: count}, models={handled.type: Anything}, topics=[TOPIC])
    retries_before = REGISTRY.get_sample_value("backstop_consumer_retries_total",
                                               {"topic": TOPIC, "reason": "handler"}) or 0
    task = asyncio.create_task(consumer.run())
    bad = make_event("registry", "household.registered", "h-bad", {"explode": True})
    after = make_event("registry", "household.registered", "h-2", {"x": 2})
    try:
        await publish_events(kafka_bootstrap, TOPIC, [handled, handled, bad, after])
        # a raw poison record on the same key (same partition) that is not a CloudEvent at all
        from aiokafka import AIOKafkaProducer
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
        await producer.start()
        await producer.send_and_wait(TOPIC, b"\x00garbage", key=b"h-bad")
        await producer.stop()
        await publish_events(kafka_bootstrap, TOPIC, [make_event("registry", "household.registered", "h-bad", {})])

        assert await eventually(lambda: _count_effect(db, "h-2"))
        assert await eventually(lambda: _count_effect(db, "h-bad"))  # the partition kept flowing
        assert await _count_effect(db, "h-1") == 1  # delivered twice, applied once
        dlq = await read_events(kafka_bootstrap, topics.dlq(TOPIC), until=lambda e: len(e) >= 1,
                                where=lambda e: e.id == bad.id)
        assert [e.id for e in dlq] == [bad.id]
        # what an operator's alerts read: the poison record's retries, and no lag once all is applied
        retries = REGISTRY.get_sample_value("backstop_consumer_retries_total", {"topic": TOPIC, "reason": "handler"})
        assert retries - retries_before == settings.consumer_max_attempts - 1
        assert REGISTRY.get_sample_value("backstop_events_dead_lettered_total", {"topic": TOPIC}) >= 1

        def lags():
            return [m.value for f in REGISTRY.collect() if f.name == "backstop_consumer_lag_records"
                    for m in f.samples if m.labels["topic"] == TOPIC]
        assert await eventually(lambda: lags() and not any(lags()))
    finally:
        await stop_tasks(task)
        await publisher.close()


async def test_consumer_hands_the_parsed_payload_and_dead_letters_data_that_does_not_fit(db, kafka_bootstrap):
    """A handler gets ``data`` in the model registered for its type; data the model refuses goes to the DLQ at
    once (retrying cannot fix it) and names the fields at fault, not their values; other types are skipped."""
    from decimal import Decimal

    class Counted(BaseModel):
        subject: str
        n: int
        amount: Decimal

    seen: list = []

    async def count(event: Event, data: Counted, uow: UnitOfWork) -> None:
        seen.append(data)
        stmt = insert(effects).values(subject=data.subject, n=data.n)
        await uow.session.execute(stmt.on_conflict_do_update(index_elements=["subject"], set_={"n": data.n}))

    settings = _settings(kafka_bootstrap, service_name=f"typed-{uuid.uuid4().hex[:6]}")
    publisher = Publisher(settings)
    good = make_event("probe", "thing.counted", "t-1", {"subject": "t-1", "n": 7, "amount": "12.50", "new": 1})
    misfit = make_event("probe", "thing.counted", "t-1", {"subject": "t-bad", "n": "seven", "amount": "secret"})
    other = make_event("probe", "thing.other", "t-1", {"whatever": True})
    after = make_event("probe", "thing.counted", "t-1", {"subject": "t-2", "n": 2, "amount": "1"})
    consumer = EventConsumer(settings=settings, session_factory=db, publisher=publisher,
                             handlers={good.type: count}, models={good.type: Counted}, topics=[TOPIC])
    retries_before = REGISTRY.get_sample_value("backstop_consumer_retries_total",
                                               {"topic": TOPIC, "reason": "handler"}) or 0
    task = asyncio.create_task(consumer.run())
    try:
        await publish_events(kafka_bootstrap, TOPIC, [good, misfit, other, after])
        assert await eventually(lambda: _count_effect(db, "t-2"))
        assert [(d.subject, d.n, d.amount) for d in seen] == [("t-1", 7, Decimal("12.50")), ("t-2", 2, Decimal(1))]
        assert await _count_effect(db, "t-bad") is None
        [dead] = await read_events(kafka_bootstrap, topics.dlq(TOPIC), until=lambda e: len(e) >= 1,
                                   where=lambda e: e.id == misfit.id)
        assert dead.data == misfit.data  # parked as it came
        retries = REGISTRY.get_sample_value("backstop_consumer_retries_total", {"topic": TOPIC, "reason": "handler"})
        assert (retries or 0) == retries_before
        with pytest.raises(ValueError, match="no payload model"):  # a handler is never handed a dict
            EventConsumer(settings=settings, session_factory=db, publisher=publisher, handlers={other.type: count},
                          models={}, topics=[TOPIC])
    finally:
        await stop_tasks(task)
        await publisher.close()


async def test_the_position_report_is_not_caught_up_while_a_published_record_is_on_its_way(db, kafka_bootstrap):
    """``/_ops/position`` (what ``wait_until_digested`` reads) asks the broker for the ends when it reports: an event
    published after the loop's last fetch is counted as not applied, though no fetch has brought it yet (a slow
    fetch here: the broker holds it up to 2.5 s). With the ends the loop remembered it said "caught up" (a CI flake)."""
    held = asyncio.Event()

    async def hold(event: Event, data: Anything, uow: UnitOfWork) -> None:
        if event.subject == "h-late":
            await held.wait()

    settings = _settings(kafka_bootstrap, service_name=f"report-{uuid.uuid4().hex[:6]}", kafka_fetch_max_wait_ms=2500)
    publisher = Publisher(settings)
    late = make_event("registry", "household.registered", "h-late", {})
    consumer = EventConsumer(settings=settings, session_factory=db, publisher=publisher,
                             handlers={late.type: hold}, models={late.type: Anything}, topics=[TOPIC])
    task = asyncio.create_task(consumer.run())
    try:
        async def caught_up():
            return (await consumer.report())["caught_up"]
        assert await eventually(caught_up, timeout=60)
        await publish_events(kafka_bootstrap, TOPIC, [late])
        report = await consumer.report()
        assert not report["caught_up"] and report["lag"] >= 1
        held.set()
        assert await eventually(caught_up, timeout=60)
    finally:
        held.set()
        await stop_tasks(task)
        await publisher.close()
