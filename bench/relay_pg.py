"""PostgreSQL's work for each relayed event, without a broker: the write's outbox insert, the relay's round (lock, rows,
mark) and the broker watch's forgetting of what the consumer groups read — WAL bytes and CPU per event.

Its own embedded PostgreSQL and a service's migrations (this tree's). Writers commit one event a transaction (plain
asyncpg, as ``bench/relay.py``); every ``--per-round`` commits the relay's round runs with this tree's statements
(``outbox._BEGIN_LOCKED``, ``_ROUND``, ``_MARK_SENT``), the broker's placement made up (partition ``seq % 3``, offsets
counted up per partition); every ``--per-look`` events the watch's look finds what is held and forgets it all
(``broker_watch._HELD``, ``_FORGET``: every group read past it). WAL bytes are exact (``pg_current_wal_lsn``); CPU is
each backend's (psutil) and the whole server's (autovacuum, WAL writer, checkpointer too). Compare two trees by
running this on each in turn, old and new alternating:

    PYTHONPATH=<tree's> python -m bench.relay_pg [--events 4000] [--per-round 5] [--per-look 1000] [--event registered]
"""

import argparse
import asyncio
import json
import re
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import psutil

from backstop_common import broker_watch, devstack, outbox, topics
from backstop_common.db import plain_url
from bench.common import machine, speed_reference
from bench.relay import EVENTS, SOURCE, _postgres_seconds

SERVICE = "registry"
PARTITIONS = 3
_INSERT = """
INSERT INTO outbox (id, topic, key, type, source, subject, area_code, time, data, attempts)
VALUES ($1, $2, $3, $4, $5, $3, '211204101202', now(), $6::jsonb, 0)"""


def _positional(statement) -> str:
    """A SQLAlchemy ``text`` statement's SQL with ``:name`` parameters numbered in order of appearance."""
    names: list[str] = []

    def number(match: re.Match) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return re.sub(r"(?<!:):(\w+)", number, str(statement))


class Backend:
    """A connection and its server process: the WAL written around what it runs (read on another connection, so
    the readings cost this backend nothing) and its CPU over the whole run."""

    def __init__(self, conn: asyncpg.Connection, monitor: asyncpg.Connection):
        self.conn, self.monitor = conn, monitor
        self.wal = 0

    async def open(self) -> "Backend":
        self.process = psutil.Process(await self.conn.fetchval("SELECT pg_backend_pid()"))
        self.cpu_began = self._cpu()
        return self

    async def measured(self, work):
        began = await self._lsn()
        result = await work
        self.wal += await self._lsn() - began
        return result

    async def _lsn(self) -> int:
        return int(await self.monitor.fetchval("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn"))

    @property
    def cpu_s(self) -> float:
        return self._cpu() - self.cpu_began

    def _cpu(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system


async def _round(relay: Backend, offsets: dict[int, int]) -> int:
    conn = relay.conn
    await conn.execute(outbox._BEGIN_LOCKED)
    rows = await conn.fetch(outbox._ROUND, 500)
    partitions = [r["seq"] % PARTITIONS for r in rows]
    placed = []
    for p in partitions:
        placed.append(offsets[p])
        offsets[p] += 1
    await conn.execute(outbox._MARK_SENT, datetime.now(UTC), [r["seq"] for r in rows], [r["topic"] for r in rows],
                       partitions, placed)
    await conn.execute("COMMIT")
    return len(rows)


async def _look(watch: Backend, offsets: dict[int, int]) -> None:
    """What a look does when every group read everything: what is held, then each partition forgotten."""
    conn = watch.conn
    async with conn.transaction():
        await conn.execute(f"SELECT pg_advisory_xact_lock({broker_watch.WATCH_LOCK})")
        await conn.fetch(str(broker_watch._HELD))
        for p in range(PARTITIONS):
            await conn.execute(_positional(broker_watch._FORGET), topics.REGISTRY_HOUSEHOLD, p, offsets[p])


async def run(url: str, data_dir: Path, events: int, per_round: int, per_look: int, event: str) -> dict:
    kind, payload = EVENTS[event]
    monitor = await asyncpg.connect(plain_url(url))
    writer, relay, watch = [await Backend(await asyncpg.connect(plain_url(url)), monitor).open() for _ in range(3)]
    offsets = dict.fromkeys(range(PARTITIONS), 0)
    stats = "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'outbox'"
    updates_before = await monitor.fetchrow(stats)
    watching = psutil.Process(await monitor.fetchval("SELECT pg_backend_pid()"))  # its CPU is not the server's work
    server_before, began = _postgres_seconds(data_dir) - sum(watching.cpu_times()[:2]), time.perf_counter()
    for i in range(1, events + 1):
        household = uuid.uuid4()
        await writer.measured(writer.conn.execute(_INSERT, uuid.uuid4(), topics.REGISTRY_HOUSEHOLD, str(household),
                                                  kind, SOURCE, payload(household).model_dump_json()))
        if i % per_round == 0:
            await relay.measured(_round(relay, offsets))
        if i % per_look == 0:
            await watch.measured(_look(watch, offsets))
    server_s = _postgres_seconds(data_dir) - sum(watching.cpu_times()[:2]) - server_before
    seconds = time.perf_counter() - began
    cpu = {"write": writer.cpu_s, "round": relay.cpu_s, "look": watch.cpu_s, "server": server_s}
    for backend in (writer, relay, watch):
        await backend.conn.close()  # a backend's statistics reach the shared ones at its exit at the latest
    await asyncio.sleep(1.5)
    updates = [a - b for a, b in zip(await monitor.fetchrow(stats), updates_before)]
    await monitor.close()
    per = lambda x: round(x / events, 1)  # noqa: E731
    return {"events": events, "seconds": round(seconds, 1),
            "wal_bytes_per_event": {"write": per(writer.wal), "round": per(relay.wal), "look": per(watch.wal)},
            "cpu_us_per_event": {k: per(v * 1e6) for k, v in cpu.items()},
            "outbox_updates": updates[0], "hot_updates": updates[1]}


async def main(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "pg"
        server = devstack.start_postgres(data_dir)
        try:
            url = await devstack.create_database(server.get_uri(), "relay_pg", recreate=True)
            devstack.migrate(SERVICE, url)
            await run(url, data_dir, args.per_look, args.per_round, args.per_look, args.event)  # warm
            return await run(url, data_dir, args.events, args.per_round, args.per_look, args.event)
        finally:
            devstack.stop_postgres(data_dir)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--per-round", type=int, default=5, help="commits a round (500/s, a round each 10 ms)")
    parser.add_argument("--per-look", type=int, default=1000, help="events a look (500/s, a look each 2 s)")
    parser.add_argument("--event", choices=sorted(EVENTS), default="income_assessed")
    args = parser.parse_args()
    speed = speed_reference()
    report = asyncio.run(main(args))
    print(json.dumps({"machine": machine(), "speed": [speed, speed_reference()], "event": args.event} | report))
