"""The skeleton's promise, on the stack `make run` starts: one write crosses the bus end to end."""

import asyncio
import uuid

import asyncpg
import httpx

from backstop_common.db import plain_url
from backstop_common.testing import eventually, publish_events, read_events
from backstop_common.topics import REGISTRY_HOUSEHOLD
from tests.support import new_household

VILLAGE = "211204001001"
REGISTERED = "backstop.registry.household.registered.v1"


async def _fetchval(stack, service: str, sql: str, *args):
    conn = await asyncpg.connect(plain_url(stack.database_url(service)))
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def _register(stack, client: httpx.AsyncClient, request_id: str | None = None) -> str:
    headers = stack.headers("village_cadre", VILLAGE)
    if request_id:
        headers["X-Request-ID"] = request_id
    return (await new_household(client, stack, VILLAGE, headers=headers))["id"]


async def _applied(stack, service: str, household_id: str) -> int:
    return await _fetchval(stack, service,
                           "SELECT count(*) FROM inbox WHERE type = $1 AND event_id = ANY($2::uuid[])",
                           REGISTERED, await _event_ids(stack, household_id))


async def _event_ids(stack, household_id: str) -> list[uuid.UUID]:
    conn = await asyncpg.connect(plain_url(stack.database_url("registry")))
    try:
        rows = await conn.fetch("SELECT id FROM outbox WHERE subject = $1", household_id)
    finally:
        await conn.close()
    return [r["id"] for r in rows]


async def test_write_crosses_the_bus_once_with_one_correlation_id(demo_areas, stack):
    request_id = str(uuid.uuid4())
    async with httpx.AsyncClient(timeout=10) as client:
        household_id = await _register(stack, client, request_id)
    # the row and its outbox event were committed together
    assert await _fetchval(stack, "registry", "SELECT count(*) FROM households WHERE id = $1::uuid", household_id) == 1
    assert len(await _event_ids(stack, household_id)) == 1
    # the relay published it and both consumers applied it exactly once
    assert await eventually(lambda: _fetchval(stack, "registry", "SELECT sent_at IS NOT NULL FROM outbox WHERE subject = $1", household_id))
    assert await eventually(lambda: _applied_both(stack, household_id), timeout=20)
    assert await _fetchval(stack, "monitoring", "SELECT count(*) FROM household_facts WHERE household_id = $1::uuid",
                           household_id) == 1
    # redelivering the very same event changes nothing
    [event] = await read_events(stack.bootstrap, REGISTRY_HOUSEHOLD, until=lambda e: len(e) >= 1,
                                where=lambda e: e.subject == household_id)
    await publish_events(stack.bootstrap, REGISTRY_HOUSEHOLD, [event, event])
    await asyncio.sleep(2)
    for service in ("monitoring", "notifications"):
        assert await _applied(stack, service, household_id) == 1
    # one correlation id in the logs of all three services
    assert event.correlation_id == request_id
    for service in ("registry", "monitoring", "notifications"):
        assert request_id in stack.log(service), f"{request_id} not in {service} log"


async def _applied_both(stack, household_id: str) -> bool:
    return all([await _applied(stack, s, household_id) == 1 for s in ("monitoring", "notifications")])


async def test_broker_outage_loses_no_write(demo_areas, stack):
    broker = stack.processes()["broker"]
    ids = []
    async with httpx.AsyncClient(timeout=10) as client:
        ids.append(await _register(stack, client))
        broker.suspend()  # SIGSTOP: the broker is unreachable but keeps its memory
        try:
            for _ in range(10):
                ids.append(await _register(stack, client))  # writes go on while the broker is away
            unsent = await _fetchval(stack, "registry", "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            assert unsent >= 1
        finally:
            broker.resume()
    for household_id in ids:
        assert await eventually(lambda: _applied_both(stack, household_id), timeout=60), household_id
    assert await _fetchval(stack, "registry", "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0
