"""Benchmark: monitoring digesting a bulk import's ``household.registered`` events (issue 18, #15's 200,000 run).

    XDG_RUNTIME_DIR=/tmp/rt .venv/bin/python -m bench.monitoring_digest [--households 10000] [--mode both]

Set-up (not timed): a scratch embedded PostgreSQL; the registry imports the demo county's households
(``backstop_common.demo``: its mix of incomes, 低保, houses, members) with its own import code, and the events
it staged in its outbox are read back, as the relay would send them. Timed: monitoring's consumer applying
them as the broker would hand them — fetches of ``consumer_max_poll_records`` records spread over three
partitions by key, each partition's share through ``EventConsumer.apply_batch`` (one transaction), into a fresh
monitoring database per mode:
- ``per-event``: the batch transaction calling the per-event handler for each record (the path before the
  batch handlers: several queries per household);
- ``batch``: monitoring's batch handlers (``handlers.BATCH_HANDLERS``: the set-based path).
- ``stream``: the registrations applied by the batch handlers first (not timed), then ``--stream`` income
  assessments of those households, each as a fetch of one record (``EventConsumer.handle_record``: the path a
  steady trickle of single writes takes, one transaction and one inbox row each); about one in eight falls
  under the line or drops sharply (a case opened or joined). Printed: CPU per event, service and PostgreSQL.
Printed per mode: wall seconds and households/s, this process's CPU seconds (the service's Python) and
PostgreSQL's (its server processes), households per CPU-second of both, and what was written (cases,
signals, outbox events) — equal in both modes. On a loaded machine the CPU figures and the ratio hold better
than the wall times.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import asyncpg
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m
from backstop_common import devstack  # noqa: E402
from backstop_common.auth import Principal, Role  # noqa: E402
from backstop_common.consumer import collector_paused  # noqa: E402
from backstop_common.db import create_engine, create_session_factory, plain_url  # noqa: E402
from backstop_common.demo.county import COUNTY_CODE, areas  # noqa: E402
from backstop_common.demo.households import household_csv  # noqa: E402
from backstop_common.envelope import Event, to_kafka  # noqa: E402
from backstop_common.uow import UnitOfWork  # noqa: E402
from bench.common import machine, tree_cpu_s  # noqa: E402

PARTITIONS = 3


async def registry_events(server_uri: str, households: int, out: Path) -> list[Event]:
    """The demo county imported by the registry's own code (in a child process: the registry's and
    monitoring's tables cannot share one process); its outbox rows as events."""
    url = await devstack.create_database(server_uri, "registry_digest_bench", recreate=True)
    devstack.migrate("registry", url)
    subprocess.run([sys.executable, "-m", "bench.monitoring_digest", "--import-into", url,
                    "--households", str(households)], check=True, cwd=Path(__file__).resolve().parents[1])
    conn = await asyncpg.connect(plain_url(url))
    rows = await conn.fetch("SELECT id, type, source, subject, area_code, time, data FROM outbox ORDER BY seq")
    await conn.close()
    return [Event(id=r["id"], type=r["type"], source=r["source"], subject=r["subject"], area_code=r["area_code"],
                  time=r["time"], data=json.loads(r["data"]) if isinstance(r["data"], str) else r["data"])
            for r in rows]


async def import_into(url: str, households: int) -> None:
    from registry.domain.imports import import_households, refresh_statistics

    conn = await asyncpg.connect(plain_url(url))
    await conn.executemany("INSERT INTO areas (code, name, level, parent_code) VALUES ($1, $2, $3, $4)",
                           [(a.code, a.name, a.level, a.parent_code) for a in areas()])
    engine = create_engine(url, pool_size=1)
    principal = Principal(subject="bench", role=Role.COUNTY_ADMIN, area_code=COUNTY_CODE)
    async with create_session_factory(engine)() as session:
        uow = UnitOfWork(session, "registry")
        report = await import_households(uow, principal, household_csv(households), "demo.csv", 2024)
        await uow.commit()
        await refresh_statistics(uow, report)
        await uow.commit()
    await engine.dispose()
    await conn.close()


def records(events: list[Event]):
    """The events as ConsumerRecords of a three-partition topic, partitioned by key as a producer would."""
    from aiokafka.structs import ConsumerRecord

    offsets = [0] * PARTITIONS
    out = []
    for event in events:
        rec = to_kafka(event)
        p = zlib.crc32(rec.key) % PARTITIONS
        out.append(ConsumerRecord("registry.household", p, offsets[p], 0, 0, rec.key, rec.value, None,
                                  len(rec.key), len(rec.value), tuple(rec.headers)))
        offsets[p] += 1
    return out


def incomes(events: list[Event], n: int) -> list[Event]:
    """``n`` income assessments (2025) of the registered households, in turn: most a little up, one in eight
    down by 40 % (under the line or a sharp drop: a signal), as the registry would publish them."""
    import uuid
    from decimal import Decimal

    from backstop_events.registry import HouseholdIncomeAssessed, catalog

    registered = [e for e in events if e.type == catalog.entry("household.registered").type]
    income_type = catalog.entry("household.income_assessed").type
    out = []
    for i in range(n):
        e = registered[i % len(registered)]
        before = Decimal(str(e.data.get("per_capita_income") or "8000.00"))
        now = (before * (Decimal("0.6") if i % 8 == 0 else Decimal("1.05"))).quantize(Decimal("0.01"))
        size = e.data.get("size") or 1
        data = HouseholdIncomeAssessed(
            household_id=e.data["household_id"], village_code=e.data["village_code"], assessment_id=uuid.uuid4(),
            year=2025, wage=now * size, business=0, business_costs=0, property=0, transfer=0, net_income=now * size,
            size=size, per_capita_income=now, previous_per_capita_income=before, previous_year=2024)
        out.append(Event(id=uuid.uuid4(), type=income_type, source=e.source,
                         subject=e.subject, area_code=e.area_code, time=e.time, data=data.model_dump(mode="json")))
    return out


def postgres_cpu(server_pid: int) -> float:
    """CPU seconds of the PostgreSQL server and its live backends."""
    return tree_cpu_s(psutil.Process(server_pid))


async def digest(server_uri: str, server_pid: int, events: list[Event], mode: str, fetch: int,
                 stream: int = 0) -> dict:
    from monitoring.config import Settings
    from monitoring.events import catalog
    from monitoring.handlers import BATCH_HANDLERS, HANDLERS

    from backstop_common.consumer import EventConsumer
    from backstop_common.kafka import Publisher

    url = await devstack.create_database(server_uri, f"monitoring_digest_{mode.replace('-', '_')}", recreate=True)
    devstack.migrate("monitoring", url)
    settings = Settings(database_url=url, log_level="WARNING")
    engine = create_engine(url, pool_size=PARTITIONS + 1)
    consumer = EventConsumer(settings=settings, session_factory=create_session_factory(engine),
                             publisher=Publisher(settings), handlers=HANDLERS, topics=["registry.household"],
                             models=catalog.consumed_models(),
                             batch_handlers=BATCH_HANDLERS if mode != "per-event" else None)
    recs = records(events)
    fallbacks = 0
    if mode == "stream":  # the registrations as an import brings them, then the timed trickle
        await apply_fetches(consumer, recs, fetch)
        recs = records(incomes(events, stream))
    cpu0, pg0, t0 = time.process_time(), postgres_cpu(server_pid), time.perf_counter()
    if mode == "stream":
        for rec in recs:
            await consumer.handle_record(rec)
    else:
        fallbacks = await apply_fetches(consumer, recs, fetch)
    wall, cpu, pg = time.perf_counter() - t0, time.process_time() - cpu0, postgres_cpu(server_pid) - pg0
    conn = await asyncpg.connect(plain_url(url))
    written = {t: await conn.fetchval(f"SELECT count(*) FROM {t}")
               for t in ("household_facts", "member_facts", "cases", "signals", "case_steps", "outbox")}
    await conn.close()
    await engine.dispose()
    n = len(recs)
    return {"mode": mode, "households": n, "wall_s": round(wall, 2), "households_per_s": round(n / wall, 1),
            "service_cpu_s": round(cpu, 2), "postgres_cpu_s": round(pg, 2),
            "households_per_cpu_s": round(n / (cpu + pg), 1), "fallbacks": fallbacks, "written": written,
            "service_ms_per_event": round(1000 * cpu / n, 2), "postgres_ms_per_event": round(1000 * pg / n, 2)}


async def apply_fetches(consumer, recs: list, fetch: int) -> int:
    """The records as the consumer takes them: fetches of ``fetch``, each partition's share in one
    ``apply_batch`` (one record at a time when it fails). Returns how many partition batches fell back."""
    fallbacks = 0
    for first in range(0, len(recs), fetch):
        fetched = recs[first:first + fetch]
        parts = [[r for r in fetched if r.partition == p] for p in range(PARTITIONS)]

        async def one(part):  # what the consumer does with a partition's share (consumer._apply_fetch)
            nonlocal fallbacks
            with collector_paused():
                items = [(*consumer.decode(r), r) for r in part]
                if not part or await consumer.apply_batch(items):
                    return
                fallbacks += 1  # e.g. a deadlock with another partition's transaction: one record at a time
                for r in part:
                    await consumer.handle_record(r)
        await asyncio.gather(*(one(part) for part in parts))
    return fallbacks


async def main(households: int, modes: list[str], fetch: int, stream: int) -> None:
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        server = devstack.start_postgres(Path(tmp) / "pg", cleanup_mode="stop")
        try:
            pid = devstack.running_postmaster(Path(tmp) / "pg").pid
            t0 = time.perf_counter()
            events = await registry_events(server.get_uri(), households, Path(tmp))
            print(f"registry imported {households:,} demo households ({len(events):,} events staged) in "
                  f"{time.perf_counter() - t0:.1f} s (not timed below)")
            results = [await digest(server.get_uri(), pid, events, mode, fetch, stream) for mode in modes]
        finally:
            devstack.stop_postgres(Path(tmp) / "pg")
    for r in results:
        print(f"{r['mode']:>9}: {r['households']:,} households in {r['wall_s']} s wall ({r['households_per_s']}/s); "
              f"CPU {r['service_cpu_s']} s service + {r['postgres_cpu_s']} s PostgreSQL = "
              f"{r['households_per_cpu_s']} households per CPU-second; {r['fallbacks']} fetches fell back to one record "
              f"at a time; written {r['written']}; per event {r['service_ms_per_event']} ms service + "
              f"{r['postgres_ms_per_event']} ms PostgreSQL")
    if len(results) == 2:
        a, b = results
        print(f"batch vs per-event: {a['wall_s'] / b['wall_s']:.1f}x wall, "
              f"{(a['service_cpu_s'] + a['postgres_cpu_s']) / (b['service_cpu_s'] + b['postgres_cpu_s']):.1f}x CPU; "
              f"same rows written: {a['written'] == b['written']}; load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--mode", choices=("per-event", "batch", "both", "stream"), default="both")
    parser.add_argument("--stream", type=int, default=2000, help="income assessments the stream mode applies")
    parser.add_argument("--fetch", type=int, default=1000, help="records a fetch hands over (max_poll_records)")
    parser.add_argument("--import-into", help=argparse.SUPPRESS)  # the child process loading the registry
    args = parser.parse_args()
    if args.import_into:
        asyncio.run(import_into(args.import_into, args.households))
        sys.exit(0)
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/backstop-runtime")
    os.makedirs(os.environ["XDG_RUNTIME_DIR"], exist_ok=True)
    asyncio.run(main(args.households, ["per-event", "batch"] if args.mode == "both" else [args.mode], args.fetch,
                     args.stream))
