"""Issue 18: replicas of one service in one consumer group keep one household's events in order.

Two more registry processes (each with its relay and consumer) join the stack's registry on its database
and broker; a stream of income assessments goes round the three, one replica is killed (SIGKILL, mid-publish
as likely as not) and started again mid-stream. On the wire every event is there, and one household's events,
each counted at its first appearance (a relay killed between the broker's ack and its commit publishes a batch
again; consumers skip those by inbox), come in the order they were written. Monitoring applied each once.
"""

import asyncio
import os
import signal
from collections import defaultdict
from pathlib import Path

import asyncpg
import httpx
import pytest
from backstop_common import devstack
from backstop_common.db import plain_url
from backstop_common.testing import eventually, read_events
from backstop_common.topics import REGISTRY_HOUSEHOLD

from tests.support import admin, new_household

pytestmark = [pytest.mark.fault, pytest.mark.slow]
VILLAGE = "211204101202"
HOUSEHOLDS = 6
ROUNDS, PER_ROUND = 8, 3  # 144 assessments; one replica killed before round 3 and back before round 6


class Replica:
    """One more registry process on the stack's registry database and broker."""

    def __init__(self, stack, log_dir: Path, name: str):
        self.port = devstack.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = devstack.service_env("registry", stack.database_url("registry"), stack.bootstrap)
        self._log = log_dir / f"{name}.log"
        self.proc = None

    def start(self) -> None:
        self.proc = devstack.start_service("registry", self.port, self._env, self._log)

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None:
            devstack.stop(self.proc)


async def _written(stack, household_ids: list[str]) -> dict[str, list[str]]:
    """Each household's events in the order its transactions wrote them (outbox seq)."""
    conn = await asyncpg.connect(plain_url(stack.database_url("registry")))
    try:
        rows = await conn.fetch("SELECT id::text, subject FROM outbox WHERE subject = ANY($1::text[]) ORDER BY seq",
                                household_ids)
    finally:
        await conn.close()
    written = defaultdict(list)
    for r in rows:
        written[r["subject"]].append(r["id"])
    return written


async def _unsent(stack) -> int:
    conn = await asyncpg.connect(plain_url(stack.database_url("registry")))
    try:
        return await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    finally:
        await conn.close()


async def _applied(stack, event_ids: list[str]) -> int:
    conn = await asyncpg.connect(plain_url(stack.database_url("monitoring")))
    try:
        return await conn.fetchval("SELECT count(*) FROM inbox WHERE event_id = ANY($1::uuid[])", event_ids)
    finally:
        await conn.close()


def _first_appearances(ids: list[str]) -> list[str]:
    seen: set[str] = set()
    return [i for i in ids if not (i in seen or seen.add(i))]


async def test_replicas_killed_and_restarted_keep_each_households_events_in_order(demo_areas, tmp_path):
    stack = demo_areas
    replicas = [Replica(stack, tmp_path, f"registry-{n}") for n in (1, 2)]
    try:
        for replica in replicas:
            replica.start()
        urls = [stack.url("registry")] + [r.url for r in replicas]
        async with httpx.AsyncClient(timeout=30, headers=admin(stack)) as client:
            households = [(await new_household(client, stack, VILLAGE))["id"] for _ in range(HOUSEHOLDS)]

            async def assess(household: str, n: int, turn: int) -> None:
                body = {"year": 2025, "wage": str(20000 + 1000 * n), "business": "0", "business_costs": "0",
                        "property": "0", "transfer": "1000"}
                for attempt in range(len(urls)):  # a killed replica refuses: the next one takes the write
                    url = urls[(turn + attempt) % len(urls)]
                    try:
                        resp = await client.post(f"{url}/api/v1/households/{household}/income-assessments",
                                                 json=body)
                    except httpx.TransportError:
                        continue
                    assert resp.status_code == 201, resp.text
                    return
                raise AssertionError("no replica took the write")

            for n in range(ROUNDS):
                if n == 2:
                    replicas[0].kill()
                if n == 5:
                    replicas[0].start()
                # all at once: a household's concurrent writes queue on its row lock, so their outbox rows
                # are numbered in commit order, and the three relays are woken together with many rows to take
                await asyncio.gather(*(assess(h, n, n + i + k) for i, h in enumerate(households)
                                       for k in range(PER_ROUND)))

        assert await eventually(lambda: _none_unsent(stack), timeout=60)
        written = await _written(stack, households)
        assert all(len(written[h]) == ROUNDS * PER_ROUND + 1 for h in households)  # registration + assessments
        every = {i for ids in written.values() for i in ids}
        on_wire = await read_events(stack.bootstrap, REGISTRY_HOUSEHOLD, timeout=60,
                                    where=lambda e: e.subject in written,
                                    until=lambda found: every <= {str(e.id) for e in found})
        seen = defaultdict(list)
        for event in on_wire:
            seen[event.subject].append(str(event.id))
        for household in households:
            assert _first_appearances(seen[household]) == written[household], household
        assert await eventually(lambda: _all_applied(stack, sorted(every)), timeout=60)
    finally:
        for replica in replicas:
            replica.stop()


async def _none_unsent(stack) -> bool:
    return await _unsent(stack) == 0


async def _all_applied(stack, event_ids: list[str]) -> bool:
    """Monitoring took each event once (its inbox has one row per event id; a second delivery is skipped)."""
    return await _applied(stack, event_ids) == len(event_ids)
