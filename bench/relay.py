"""The outbox relay alone: CPU per event and how long an event waits between its commit and the broker's ack.

Its own embedded PostgreSQL (a service's migrations) and broker; this process runs the relay and cheap writers
(plain asyncpg inserts of outbox rows, then ``relay.wake()`` as a service's commit does).
Two stages: a backlog of N rows drained at once (rows a round, CPU per event), then writers committing one
event per transaction at a steady rate while the relay is woken by each commit (as in a service) — the
wait from commit to ``sent_at`` and CPU per event. CPU is this process's (mostly the relay) and PostgreSQL's.

    python -m bench.relay [--backlog 20000] [--rates 200,500,1000] [--seconds 5] [--profile out.prof]
                          [--event registered] [--busy 4]

``--event registered``: events the size of an imported household's ``household.registered`` (~1.5 KB, four
members listed) instead of an income assessment (~0.4 KB) — what the relay carries after a bulk import.
``--busy N``: N processes spinning beside the bench for its whole run, the machine as busy as when the consumers
digest an import (the relay's rounds then wait for the CPU, PostgreSQL and the broker like everything else).
``--producer-batch-kb K``: the relay's producer built with batches of up to K KiB a partition (``KAFKA_PRODUCER_BATCH_KB``,
256 by default; aiokafka's own is 16). aiokafka keeps one produce request in flight per broker and one batch per
partition in it, so a 500-row round of registrations is ~50 requests at 16 KiB.
"""

import argparse
import asyncio
import cProfile
import json
import multiprocessing
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import psutil

from backstop_common import devstack, topics
from backstop_common.db import create_engine, create_session_factory, plain_url
from backstop_common.kafka import Publisher, ensure_topics
from backstop_common.outbox import OutboxRelay
from backstop_common.settings import ServiceSettings
from backstop_common.envelope import event_type, source_of
from backstop_events.registry import HouseholdIncomeAssessed, HouseholdRegistered, ListedMember
from bench.common import machine, percentile

SERVICE = "registry"
SOURCE = source_of(SERVICE)


def _assessment(household: uuid.UUID) -> HouseholdIncomeAssessed:
    return HouseholdIncomeAssessed(household_id=household, village_code="211204101202", assessment_id=uuid.uuid4(),
                                   year=2026, wage="14000", business="0", business_costs="0", property="0",
                                   transfer="2200", net_income="16200", size=3, per_capita_income="5400")


def _member(i: int) -> ListedMember:
    return ListedMember(member_id=uuid.uuid4(), relation="户主" if i == 0 else "之子", sex="男", birth_year=1960 + 10 * i,
                        health="健康", disability_grade=0, labour_capacity="普通劳动力", medical_insurance=True)


def _registration(household: uuid.UUID) -> HouseholdRegistered:
    return HouseholdRegistered(household_id=household, village_code="211204101202", poverty_status="脱贫户", size=4,
                               labour_capable_members=2, per_capita_income="8200.00", income_year=2025,
                               housing_grade="A", safe_water=True, tags=["脱贫户"], main_cause="因病",
                               helper_user_ids=["u-1"], members=[_member(i) for i in range(4)])


#: the event the writers commit (``--event``): its ce type and payload
EVENTS = {"income_assessed": (event_type(SERVICE, "household.income_assessed"), _assessment),
          "registered": (event_type(SERVICE, "household.registered"), _registration)}
EVENT = "income_assessed"
PRODUCER_BATCH_KB = ServiceSettings().kafka_producer_batch_kb


def _spin() -> None:
    while True:
        pass


def _postgres_seconds(data_dir: Path) -> float:
    postmaster = devstack.running_postmaster(data_dir)
    used = 0.0
    for one in [postmaster, *postmaster.children(recursive=True)]:
        try:
            t = one.cpu_times()
            used += t.user + t.system + (t.children_user + t.children_system) * (one is postmaster)
        except psutil.Error:
            pass
    return used


class Meter:
    """CPU seconds of this process and of PostgreSQL between two readings."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.start = self._now()

    def _now(self) -> tuple[float, float]:
        return time.process_time(), _postgres_seconds(self.data_dir)

    def per_event_ms(self, events: int) -> dict[str, float]:
        me, pg = self._now()
        return {"this process (relay + writers)": round((me - self.start[0]) * 1000 / events, 3),
                "postgres": round((pg - self.start[1]) * 1000 / events, 3)}


_INSERT = """
INSERT INTO outbox (id, topic, key, type, source, subject, area_code, time, data, attempts)
SELECT id, $2, subject, $3, $4, subject, '211204101202', now(), data::jsonb, 0
  FROM unnest($1::uuid[], $5::text[], $6::text[]) AS v(id, subject, data)"""


async def _write(pool: asyncpg.Pool, relay: OutboxRelay, count: int) -> None:
    """``count`` events committed in one transaction by plain asyncpg (cheap, so this process's CPU is the
    relay's), then the relay woken as a service's commit wakes it."""
    households = [uuid.uuid4() for _ in range(count)]
    kind, payload = EVENTS[EVENT]
    await pool.execute(_INSERT, [uuid.uuid4() for _ in households], topics.REGISTRY_HOUSEHOLD, kind, SOURCE,
                       [str(h) for h in households], [payload(h).model_dump_json() for h in households])
    relay.wake()


async def _unsent(url: str) -> int:
    conn = await asyncpg.connect(plain_url(url))
    try:
        return await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    finally:
        await conn.close()


async def _waits_ms(url: str, since) -> list[float]:
    conn = await asyncpg.connect(plain_url(url))
    try:
        rows = await conn.fetch("SELECT extract(epoch FROM sent_at - created_at) * 1000 AS ms FROM outbox "
                                "WHERE created_at >= $1 AND sent_at IS NOT NULL", since)
        return [float(r["ms"]) for r in rows]
    finally:
        await conn.close()


def _timed(call, into: list):
    """``call``, each call's wall time appended to ``into`` (the relay's rounds, its broker sends)."""
    async def timed(*args):
        began = time.perf_counter()
        try:
            return await call(*args)
        finally:
            into.append(time.perf_counter() - began)
    return timed


async def _backlog(url: str, pool, relay: OutboxRelay, data_dir: Path, count: int) -> dict:
    for start in range(0, count, 5000):
        await _write(pool, relay, min(5000, count - start))
    send_many, send_s, round_s = relay._publisher.send_many, [], []
    relay._publisher.send_many = _timed(send_many, send_s)
    meter, began, rounds = Meter(data_dir), time.perf_counter(), 0
    while True:
        round_began = time.perf_counter()
        if not await relay.drain_once():
            break
        round_s.append(time.perf_counter() - round_began)
        rounds += 1
    seconds = time.perf_counter() - began
    relay._publisher.send_many = send_many
    return {"stage": "backlog", "events": count, "rounds": rounds, "seconds": round(seconds, 2),
            "events_per_s": round(count / seconds), "round_ms_p50": round(percentile(round_s, 50) * 1000, 1),
            "broker_ms_p50": round(percentile(send_s, 50) * 1000, 1), "cpu_ms_per_event": meter.per_event_ms(count)}


async def _steady(url: str, pool, relay: OutboxRelay, data_dir: Path, rate: int, seconds: float) -> dict:
    from datetime import UTC, datetime

    since = datetime.now(UTC)
    drain_once, send_many = relay.drain_once, relay._publisher.send_many
    round_s, send_s = [], []  # every round, an empty one too: each is a transaction
    relay.drain_once, relay._publisher.send_many = _timed(drain_once, round_s), _timed(send_many, send_s)
    runner = asyncio.create_task(relay.run())
    await asyncio.sleep(0.2)
    meter, count = Meter(data_dir), int(rate * seconds)
    began = time.perf_counter()
    writers = []
    for i in range(count):  # one event a transaction, as a write request commits it
        delay = began + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        writers.append(asyncio.create_task(_write(pool, relay, 1)))
    await asyncio.gather(*writers)
    offered = count / (time.perf_counter() - began)
    while await _unsent(url):
        await asyncio.sleep(0.05)
    cpu = meter.per_event_ms(count)
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    relay.drain_once, relay._publisher.send_many = drain_once, send_many
    waits = await _waits_ms(url, since)
    return {"stage": f"{rate}/s", "events": count, "achieved_rate": round(offered), "rounds": len(round_s),
            "round_ms_p50": round(percentile(round_s, 50) * 1000, 1), "broker_ms_p50": round(percentile(send_s, 50) * 1000, 1),
            "commit_to_ack_ms": {f"p{p}": round(percentile(waits, p), 1) for p in (50, 95, 99)},
            "cpu_ms_per_event": cpu}


async def main(backlog: int, rates: list[int], seconds: float, profile: str | None, busy: int = 0) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "pg"
        server = devstack.start_postgres(data_dir)
        port = devstack.free_port()
        broker = devstack.start_broker(port, Path(tmp) / "broker.log")
        bootstrap = f"127.0.0.1:{port}"
        try:
            await ensure_topics(bootstrap, topics.all_with_dlq())
            url = await devstack.create_database(server.get_uri(), "relay_bench", recreate=True)
            devstack.migrate(SERVICE, url)
            settings = ServiceSettings(service_name=SERVICE, database_url=url, kafka_bootstrap_servers=bootstrap,
                                       kafka_producer_batch_kb=PRODUCER_BATCH_KB)
            engine = create_engine(settings.database_url, pool_size=20)
            sessions = create_session_factory(engine)
            publisher = Publisher(settings)
            relay = OutboxRelay(sessions, publisher, settings)
            pool = await asyncpg.create_pool(plain_url(url), min_size=4, max_size=16)
            profiler = cProfile.Profile() if profile else None
            stages = []
            if profiler:
                profiler.enable()
            if backlog:
                stages.append(await _backlog(url, pool, relay, data_dir, backlog))
                print(json.dumps(stages[-1], ensure_ascii=False), flush=True)
            for rate in rates:
                stages.append(await _steady(url, pool, relay, data_dir, rate, seconds))
                print(json.dumps(stages[-1], ensure_ascii=False), flush=True)
            if profiler:
                profiler.disable()
                profiler.dump_stats(profile)
            await publisher.close()
            await pool.close()
            await engine.dispose()
            return {"machine": machine(), "load_average": [round(x, 2) for x in psutil.getloadavg()],
                    "event": EVENT, "busy": busy, "producer_batch_kb": PRODUCER_BATCH_KB, "stages": stages}
        finally:
            devstack.stop(broker)
            devstack.stop_postgres(data_dir)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--backlog", type=int, default=20000)
    parser.add_argument("--rates", default="200,500,1000", help="'' for none")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--profile", help="write a cProfile of this process (relay and writers) here")
    parser.add_argument("--event", choices=sorted(EVENTS), default=EVENT)
    parser.add_argument("--busy", type=int, default=0, help="processes spinning beside the bench")
    parser.add_argument("--producer-batch-kb", type=int, help="the producer's batch a partition (aiokafka's own: 16)")
    args = parser.parse_args()
    EVENT, PRODUCER_BATCH_KB = args.event, args.producer_batch_kb or PRODUCER_BATCH_KB
    print(f"machine: {machine()}")
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.busy)]
    for spinner in spinners:
        spinner.start()
    try:
        report = asyncio.run(main(args.backlog, [int(r) for r in args.rates.split(",") if r], args.seconds,
                                  args.profile, args.busy))
    finally:
        for spinner in spinners:
            spinner.terminate()
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "relay.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
