"""What on-call reads: /metrics named backstop_*, the outbox backlog, pool use, and a readiness that asks
the broker a real question."""

import asyncio
import socket
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from backstop_common import devstack, topics
from backstop_common.app import ServiceSpec, create_app
from backstop_common.asyncapi import EventCatalog
from backstop_common.db import create_engine, create_session_factory
from backstop_common.kafka import broker_answers_metadata
from backstop_common.messaging_models import InboxEntry, OutboxMessage
from backstop_common.settings import ServiceSettings
from backstop_common.testing import running
from backstop_common.uow import UnitOfWork

#: families the Prometheus client adds by itself
LIBRARY_FAMILIES = ("python_", "process_")


@pytest.fixture
async def database(pg_server):
    url = await devstack.create_database(pg_server, f"ops_{uuid.uuid4().hex[:6]}", recreate=True)
    engine = create_engine(url, pool_size=1)
    async with engine.begin() as conn:
        for table in (OutboxMessage.__table__, InboxEntry.__table__):
            await conn.run_sync(table.create)
    yield url, create_session_factory(engine)
    await engine.dispose()


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
