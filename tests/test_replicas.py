"""Issue 18: two or three processes of every service in one consumer group, killed and started again under a stream of
writes — no event lost, none applied twice, and each household's events on the wire and in the consumers in the
order they were written.

More processes of each service (two registries, one monitoring, funds and notifications, each with its relay,
consumer and jobs: ``RunningStack.start_replica``) join the stack's own on its database and broker. A stream of
writes goes round the processes of the registry and of funds: income assessments under the monitoring line (each a new
signal, the first opening the household's case: ``monitoring.case`` events, which notifications routes), housing
assessments (monitoring's and funds' read models) and allocations (``funds.finance``, routed too). Each replica
is killed with SIGKILL — in a seeded random order, at a random moment of a round, mid-publish or mid-apply as
likely as not — and started again two rounds later.

Then, for every outbox row the stream led to in every service: it is on the wire, and each subject's events,
counted at their first appearance (a relay killed between the broker's ack and its commit publishes its batch
again), come in the order they were written (outbox ``seq``). Every consumer's inbox holds each event of a type
it follows, and it applied one household's events in their written order (``applied_at`` never goes back).
The effects: one case per household and at most one income signal per income, monitoring's and funds' read models
end at the last event's income and housing grade, notifications routed every case opened and allocation, and
no delivery was sent twice by the two dispatchers.
"""

import asyncio
import json
import os
import random
import signal
from collections import defaultdict
from pathlib import Path

import asyncpg
import httpx
import pytest
from backstop_common import devstack
from backstop_common.db import plain_url
from backstop_common.testing import eventually, read_events
from funds.events import CONSUMED_TYPES as FUNDS_FOLLOWS
from monitoring.events import CONSUMED_TYPES as MONITORING_FOLLOWS
from notifications.events import CONSUMED_TYPES as NOTIFICATIONS_FOLLOWS
from registry.events import CONSUMED_CASE_TYPES as REGISTRY_FOLLOWS

from tests.support import admin, load_directory, new_household

pytestmark = [pytest.mark.fault, pytest.mark.slow]
SEED = 18
VILLAGE = "211204101202"
HOUSEHOLDS = 6
ROUNDS = 8
INCOMES, HOUSING = 3, 1  # a household's writes in a round, sent all at once
ALLOCATIONS = 2  # a round's
RESTART_AFTER = 2  # rounds
YEAR = 2021  # 清河区's monitoring line: 6,000 a person (seeded policy)
SERVICES = tuple(devstack.SERVICES)
#: processes started beside each service's own: three registries (the old registry-only test's), so three relays
#: compete for a household's rows
EXTRA = {"registry": 2, "monitoring": 1, "funds": 1, "notifications": 1}
#: the event types (ce types) each consumer applies (the others it skips without an inbox row); the services'
#: tables map name → ce type, notifications' ce type → name (a test of ``in`` on the names waited for nothing)
FOLLOWS = {"registry": set(REGISTRY_FOLLOWS.values()), "monitoring": set(MONITORING_FOLLOWS.values()),
           "funds": set(FUNDS_FOLLOWS.values()), "notifications": set(NOTIFICATIONS_FOLLOWS)}


def _is(event_type: str, name: str) -> bool:
    return event_type.endswith(f".{name}.v1")


class Replica:
    """One more process of a service on the stack's database and broker."""

    def __init__(self, stack, service: str, n: int, port: int, log_dir: Path):
        self.service = service
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        self._stack, self._log = stack, log_dir / f"{service}-{n}.log"
        self.proc = None

    def start(self) -> None:
        self.proc = self._stack.start_replica(self.service, self.port, self._log)

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None:
            devstack.stop(self.proc)


class Stream:
    """Writes sent round both processes of a service; one that refuses (killed) hands the write to the other."""

    def __init__(self, client: httpx.AsyncClient, stack, replicas: list[Replica]):
        self._client = client
        self._urls = {s: [stack.url(s)] + [r.url for r in replicas if r.service == s] for s in SERVICES}
        self._turn = 0

    async def post(self, service: str, path: str, body: dict) -> None:
        self._turn += 1
        urls, error = self._urls[service], None
        for attempt in range(3 * len(urls)):  # a few times round: a kept-alive connection may be closed too
            url = urls[(self._turn + attempt) % len(urls)]
            try:
                resp = await self._client.post(f"{url}/api/v1{path}", json=body)
            except httpx.TransportError as exc:
                # refused, or cut off by the kill: if it had committed, the write is there twice — two events,
                # both of which the checks count from the outbox
                error = exc
                await asyncio.sleep(0.1 * attempt)
                continue
            assert resp.status_code == 201, resp.text
            return
        raise AssertionError(f"no {service} process took {path}: {error!r}")

    def round(self, households: list[str], n: int) -> list:
        writes = []
        for h, household in enumerate(households):
            for k in range(INCOMES):
                per_person = 4500 + 10 * (n * INCOMES + k)  # each one its own signal (a new fact)
                writes.append(self.post("registry", f"/households/{household}/income-assessments", {
                    "year": YEAR, "wage": str(2 * per_person - 1000), "business": "0", "business_costs": "0",
                    "property": "0", "transfer": "1000"}))
            for k in range(HOUSING):
                grade = "ABCD"[(n + h + k) % 4]
                writes.append(self.post("registry", f"/households/{household}/housing-assessments",
                                        {"grade": grade, "assessed_on": "2026-01-01"}))
        for k in range(ALLOCATIONS):
            writes.append(self.post("funds", "/allocations", {
                "source": "linkage", "year": 2026, "purpose": f"副本测试 {n}-{k}", "amount": "1000",
                "area_code": VILLAGE}))
        return writes


def _schedule(rng: random.Random, replicas: list[Replica]) -> dict[int, Replica]:
    """Which replica is killed in which round: each once, in a random order."""
    return {1 + i: replica for i, replica in enumerate(rng.sample(replicas, len(replicas)))}


async def test_replicas_of_every_service_killed_and_restarted_keep_order_and_apply_once(demo_areas, tmp_path):
    stack, rng = demo_areas, random.Random(SEED)
    # claimed ports below the ephemeral range, not free_port()'s: a killed replica's port, free until its restart,
    # was taken once by another suite's service (CI: the registry's write answered 404 by a server without the route)
    offset = devstack.free_port_offset()
    ports = iter(offset + p for p in (devstack.CONSOLE_PORT, *devstack.SERVICES.values()))
    replicas = [Replica(stack, s, n, next(ports), tmp_path) for s, extra in EXTRA.items() for n in range(1, extra + 1)]
    kills, restarts = _schedule(rng, replicas), []
    try:
        await asyncio.gather(*(asyncio.to_thread(r.start) for r in replicas))
        since = {s: await _fetchval(stack, s, "SELECT coalesce(max(seq), 0) FROM outbox") for s in SERVICES}
        async with httpx.AsyncClient(timeout=30, headers=admin(stack)) as client:
            await load_directory(client, stack)
            households = [(await new_household(client, stack, VILLAGE))["id"] for _ in range(HOUSEHOLDS)]
            stream = Stream(client, stack, replicas)
            for n in range(ROUNDS):
                for replica in [r for k, r in kills.items() if k + RESTART_AFTER == n]:
                    restarts.append(asyncio.create_task(asyncio.to_thread(replica.start)))
                kill = [_kill_soon(kills[n], rng.uniform(0, 0.5))] if n in kills else []
                await asyncio.gather(*stream.round(households, n), *kill)
            await asyncio.gather(*restarts)

        written = await eventually(lambda: _settled(stack, since), timeout=120)
        assert written, f"not settled: {await _settled(stack, since, why=True)}"
        # the inbox checks are not empty: every consumer but the registry (case decisions only) follows the stream
        followed = {c: sum(r["type"] in FOLLOWS[c] for rs in written.values() for r in rs) for c in SERVICES}
        assert all(n for c, n in followed.items() if c != "registry"), followed
        await _check_on_the_wire(stack, written)
        for consumer in SERVICES:
            await _check_applied_in_order(stack, consumer, written, households)
        await _check_effects(stack, written, households)
    finally:
        for replica in replicas:
            replica.stop()
        devstack.release_port_offset(offset)


async def _kill_soon(replica: Replica, delay: float) -> None:
    await asyncio.sleep(delay)  # while the round's writes are committed, published and applied
    replica.kill()


async def _fetch(stack, service: str, sql: str, *args) -> list:
    conn = await asyncpg.connect(plain_url(stack.database_url(service)))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def _fetchval(stack, service: str, sql: str, *args):
    return (await _fetch(stack, service, sql, *args))[0][0]


async def _outbox(stack, service: str, since: int) -> list:
    return await _fetch(stack, service, "SELECT seq, id::text, topic, subject, type, data::text, sent_at IS NOT NULL "
                                        "AS sent FROM outbox WHERE seq > $1 ORDER BY seq", since)


async def _missing(stack, consumer: str, rows: list) -> int:
    """How many of the stream's events of the types ``consumer`` follows its inbox does not hold."""
    expected = [r["id"] for r in rows if r["type"] in FOLLOWS[consumer]]
    held = await _fetchval(stack, consumer, "SELECT count(*) FROM inbox WHERE consumer = $1 AND "
                                            "event_id = ANY($2::uuid[])", consumer, expected)
    return len(expected) - held


async def _settled(stack, since: dict[str, int], why: bool = False):
    """Every outbox row the stream led to is sent and every consumer applied what it follows of them: then
    those rows, by service (with ``why``, what is still missing)."""
    written = {s: await _outbox(stack, s, since[s]) for s in SERVICES}
    unsent = {s: sum(not r["sent"] for r in rows) for s, rows in written.items()}
    every = [r for rows in written.values() for r in rows]
    missing = {c: await _missing(stack, c, every) for c in SERVICES}
    if why:
        return {"unsent": unsent, "not applied": missing}
    return written if not any(unsent.values()) and not any(missing.values()) else None


async def _check_on_the_wire(stack, written: dict[str, list]) -> None:
    """Each row is on its topic; each subject's events at their first appearance in their written order."""
    by_topic = defaultdict(list)
    for rows in written.values():
        for r in rows:
            by_topic[r["topic"]].append(r)
    for topic, rows in by_topic.items():
        ids = {r["id"] for r in rows}
        on_wire = await read_events(stack.bootstrap, topic, timeout=60, where=lambda e: str(e.id) in ids,
                                    until=lambda found: ids <= {str(e.id) for e in found})
        seen = defaultdict(list)
        for event in on_wire:
            if str(event.id) not in seen[event.subject]:
                seen[event.subject].append(str(event.id))
        wrote = defaultdict(list)
        for r in rows:  # in seq order
            wrote[r["subject"]].append(r["id"])
        assert set(seen) == set(wrote), f"{topic}: subjects missing on the wire"
        for subject, ids_written in wrote.items():
            assert seen[subject] == ids_written, f"{topic}: {subject}'s events out of order or missing"


async def _check_applied_in_order(stack, consumer: str, written: dict[str, list], households: list[str]) -> None:
    """Along a subject's written order, the consumer's transactions that applied them never go back in time
    (``applied_at`` is the applying transaction's start; one fetch applied together shares it)."""
    rows = [r for rs in written.values() for r in rs if r["type"] in FOLLOWS[consumer]]
    applied = {str(r["event_id"]): r["applied_at"] for r in await _fetch(
        stack, consumer, "SELECT event_id, applied_at FROM inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])",
        consumer, [r["id"] for r in rows])}
    by_subject = defaultdict(list)
    for r in sorted(rows, key=lambda r: (r["topic"], r["seq"])):
        by_subject[(r["topic"], r["subject"])].append(applied[r["id"]])
    for (topic, subject), times in by_subject.items():
        assert times == sorted(times), f"{consumer} applied {topic} {subject}'s events out of their order"


async def _check_effects(stack, written: dict[str, list], households: list[str]) -> None:
    registry = [r for r in written["registry"] if r["subject"] in households]
    last = {}
    incomes = defaultdict(set)
    for r in registry:  # in seq order: the last one wins
        data = json.loads(r["data"])
        if _is(r["type"], "household.income_assessed"):
            last[(r["subject"], "income")] = data["per_capita_income"]
            incomes[r["subject"]].add(data["per_capita_income"])
        elif _is(r["type"], "household.housing_assessed"):
            last[(r["subject"], "grade")] = data["grade"]
    # monitoring: one case per household, one signal per income (a redelivered event adds none), and its
    # read model ends at the household's last income and grade whatever order the processes took them in
    cases = await _fetch(stack, "monitoring", "SELECT household_id::text AS h, count(*) AS n FROM cases "
                                              "WHERE household_id = ANY($1::uuid[]) GROUP BY 1", households)
    assert {r["h"]: r["n"] for r in cases} == {h: 1 for h in households}
    signals = await _fetch(stack, "monitoring", "SELECT household_id::text AS h, count(*) AS n FROM signals "
                                                "WHERE household_id = ANY($1::uuid[]) AND rule = 'income_below_line' "
                                                "GROUP BY 1", households)
    # one per distinct income (a redelivered event adds none): each income is screened on its own facts, by the
    # set as one by one (fewer, seen before, was the check running before monitoring had applied the stream)
    assert {r["h"]: r["n"] for r in signals} == {h: len(incomes[h]) for h in households}, signals
    # notifications: every case opened and every allocation routed to someone; no delivery sent twice
    routed = [r["id"] for rs in written.values() for r in rs
              if _is(r["type"], "case.opened") or _is(r["type"], "fund.allocated")]
    with_messages = await _fetchval(stack, "notifications", "SELECT count(DISTINCT event_id) FROM messages "
                                                            "WHERE event_id = ANY($1::uuid[])", routed)
    assert with_messages == len(routed)
    twice = await _fetchval(stack, "notifications", """
        SELECT count(*) FROM (SELECT a.delivery_id FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
                              JOIN messages m ON m.id = d.message_id
                              WHERE m.event_id = ANY($1::uuid[]) AND a.kind = 'channel' AND a.ok
                              GROUP BY 1 HAVING count(*) > 1) t""",
                            [r["id"] for rs in written.values() for r in rs])
    assert twice == 0
    facts = await _fetch(stack, "monitoring", "SELECT household_id::text AS h, per_capita_income, housing_grade "
                                              "FROM household_facts WHERE household_id = ANY($1::uuid[])", households)
    funds = await _fetch(stack, "funds", "SELECT id::text AS h, housing_grade FROM households "
                                         "WHERE id = ANY($1::uuid[])", households)
    found = ({r["h"]: (f"{r['per_capita_income']:.2f}", r["housing_grade"]) for r in facts},
             {r["h"]: r["housing_grade"] for r in funds})
    # the xfail seen here before (an earlier grade, the first income, funds holding 1 of 6 households) was the
    # check running before monitoring and funds had applied the stream: FOLLOWS named no type of theirs
    assert found == ({h: (f"{float(last[(h, 'income')]):.2f}", last[(h, "grade")]) for h in households},
                     {h: last[(h, "grade")] for h in households})
