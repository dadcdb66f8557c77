"""What on-call reads: /metrics named backstop_*, the outbox backlog, pool use, and a readiness that asks
the broker a real question."""

import socket
import uuid
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update

from backstop_common import topics
from backstop_common.app import ServiceSpec, create_app
from backstop_common.asyncapi import EventCatalog
from backstop_common.clock import Clock
from backstop_common.jobs import unit_of_work
from backstop_common.kafka import broker_answers_metadata
from backstop_common.messaging_models import OutboxHeld, OutboxMessage
from backstop_common.outbox import mark_for_replay, purge_once
from backstop_common.settings import ServiceSettings
from backstop_common.testing import messaging_database, read_events, running
from backstop_common.uow import UnitOfWork

#: families the Prometheus client adds by itself
LIBRARY_FAMILIES = ("python_", "process_")


@pytest.fixture
async def database(pg_server):
    async with messaging_database(pg_server, "ops", pool_size=1) as found:
        yield found


def families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def value(family, **labels) -> float:
    return next(s.value for s in family.samples if all(s.labels.get(k) == v for k, v in labels.items()))


async def test_metrics_are_namespaced_and_show_the_outbox_backlog_and_the_pool(database, kafka_bootstrap):
    url, sessions = database
    for i in range(3):
        async with sessions() as session:
            UnitOfWork(session, "probe").publish(topics.REGISTRY_HOUSEHOLD, "household.registered",
                                                  subject=f"h-{i}", data={"i": i})
            await session.commit()
    settings = ServiceSettings(service_name="probe", database_url=url, kafka_bootstrap_servers=kafka_bootstrap,
                               db_pool_size=3, relay_enabled=False, backstop_env="dev")  # no relay: backlog stays
    app = create_app(ServiceSpec(name="probe", title="probe", settings=settings, catalog=EventCatalog("probe")))
    async with running(app) as client:
        assert (await client.get("/healthz")).status_code == 200
        found = families((await client.get("/metrics")).text)
    ours = [name for name in found if not name.startswith(LIBRARY_FAMILIES)]
    assert ours and all(name.startswith("backstop_") for name in ours), ours
    assert value(found["backstop_outbox_unsent_events"]) == 3
    assert value(found["backstop_outbox_oldest_unsent_age_seconds"]) > 0
    assert value(found["backstop_http_requests"], route="/healthz", status="200") >= 1
    assert value(found["backstop_db_pool_limit_connections"]) == 6  # pool size 3 + as many overflow
    assert {"checked_out", "idle", "overflow"} <= {s.labels["state"] for s in found["backstop_db_pool_connections"].samples}


async def test_readiness_asks_the_broker_for_metadata_not_just_a_port(kafka_bootstrap):
    assert await broker_answers_metadata(kafka_bootstrap)
    silent = socket.socket()  # accepts connections and never speaks Kafka
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        assert not await broker_answers_metadata(f"127.0.0.1:{silent.getsockname()[1]}", timeout=1.0)
    finally:
        silent.close()


async def test_sent_events_older_than_the_window_are_purged_and_replay_works_inside_it(database, kafka_bootstrap):
    url, sessions = database
    settings = ServiceSettings(service_name="probe", database_url=url, kafka_bootstrap_servers=kafka_bootstrap,
                               relay_enabled=False, backstop_env="dev", outbox_retention_days=30)
    clock = Clock()
    app = create_app(ServiceSpec(name="probe", title="probe", settings=settings, catalog=EventCatalog("probe"),
                                 clock=clock))
    async with running(app):
        ids = {}
        for name in ("young", "old", "held", "unsent"):
            async with unit_of_work(app) as uow:
                # a topic no group reads: no offsets kept (what a group still needs is the "held" row below)
                ids[name] = uow.publish(topics.NOTIFICATIONS_DELIVERY, "message.delivered",
                                        subject=f"{name}-{uuid.uuid4().hex[:6]}", data={}).id
        assert await app.state.relay.drain_once() == 4
        async with sessions() as session:
            aged = OutboxMessage.id.in_([ids["old"], ids["held"], ids["unsent"]])
            await session.execute(update(OutboxMessage).where(aged).values(
                created_at=clock.now() - timedelta(days=40)))
            # a consumer group has not committed past it yet (BrokerWatch would forget it once all had)
            held = await session.scalar(select(OutboxMessage.seq).where(OutboxMessage.id == ids["held"]))
            session.add(OutboxHeld(topic=topics.NOTIFICATIONS_DELIVERY, partition=0, last_offset=7, seqs=[held]))
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == ids["unsent"]).values(sent_at=None))
            await session.commit()

        await purge_once(app)
        assert await _outbox_ids(sessions) == {ids["young"], ids["held"], ids["unsent"]}

        replayed = await mark_for_replay(sessions, clock.now() - timedelta(days=1))
        assert replayed == 1                                      # the young event, inside the window
        assert await app.state.relay.drain_once() == 2            # it and the one never sent
        again = await read_events(kafka_bootstrap, topics.NOTIFICATIONS_DELIVERY,
                                  until=lambda evs: len(evs) >= 2, where=lambda e: e.id == ids["young"])
        assert len(again) == 2                                    # published, then published again

        clock.advance(timedelta(days=31))                         # the window follows the app's clock
        await purge_once(app)
        assert await _outbox_ids(sessions) == {ids["held"]}


async def _outbox_ids(sessions) -> set:
    async with sessions() as session:
        return set((await session.execute(select(OutboxMessage.id))).scalars())
