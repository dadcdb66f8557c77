"""Benchmark: funds or notifications digesting a bulk import's ``household.registered`` events in-process, a fixed
piece of work (issue 18; the whole stack's run is ``bench.bulk_digest``, whose CPU figures drift with the machine).

    XDG_RUNTIME_DIR=/tmp/rt .venv/bin/python -m bench.downstream_digest --service funds [--households 10000]
        [--records FILE] [--rounds 1]

Set-up (not timed): a scratch embedded PostgreSQL and the registry's import of the demo county's households, read
back from its outbox as a three-partition topic's records (``bench.monitoring_digest``); ``--records FILE`` keeps
them in a file and takes them from there next time (the same records for old and new code). Timed: the service's
consumer applying them as the broker hands them — fetches of ``consumer_max_poll_records`` (``--fetch``), each through
``EventConsumer._apply_fetch`` (decoding, one transaction, the inbox claim, the batch or fetch handler) — into a
fresh database of the service, ``--rounds`` times. Printed per round: this process's CPU seconds (the service's
Python) and PostgreSQL's, per registration, and an md5 of what was written (each table's rows as JSON without their
times), which old and new code must share.
"""

import argparse
import asyncio
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
from aiokafka import TopicPartition

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m
from backstop_common import devstack  # noqa: E402
from backstop_common.db import create_engine, create_session_factory, plain_url  # noqa: E402
from backstop_common.logging import configure_logging  # noqa: E402
from bench.common import machine, speed_reference  # noqa: E402
from bench.monitoring_digest import postgres_cpu, records, registry_events  # noqa: E402

#: the tables each service's digest writes, compared by their rows' md5 (their times left out)
WRITTEN = {"funds": ("households", "members", "inbox", "anomalies", "subsidy_suggestions", "outbox"),
           "notifications": ("household_facts", "messages", "deliveries", "webhook_deliveries", "parked_events",
                             "inbox")}
#: columns that hold when the row was written, not what it says
TIMES = ("updated_at", "created_at", "parked_at", "next_attempt_at", "applied_at", "received_at", "processed_at")


def consumer_of(service: str, url: str):
    """The service's consumer as its app builds it (handlers, batch or fetch handler, models), without the app."""
    from backstop_common.consumer import EventConsumer
    from backstop_common.kafka import Publisher

    if service == "funds":
        from funds.config import Settings
        from funds.events import catalog
        from funds.handlers import BATCH_HANDLERS, HANDLERS
        settings = Settings(database_url=url, log_level="WARNING")
        extra = {"handlers": HANDLERS, "batch_handlers": BATCH_HANDLERS}
    else:
        from notifications.config import Settings
        from notifications.context import Context
        from notifications.events import catalog
        from notifications.handlers import build_batch_handler, build_handlers
        settings = Settings(database_url=url, log_level="WARNING")
        ctx = Context.build(settings)
        extra = {"handlers": build_handlers(ctx), "fetch_handler": build_batch_handler(ctx)}
    configure_logging(service, settings.log_level, settings.log_json)  # as the app does: info lines not written
    engine = create_engine(url, pool_size=2)
    consumer = EventConsumer(settings=settings, session_factory=create_session_factory(engine),
                             publisher=Publisher(settings), topics=["registry.household"],
                             models=catalog.consumed_models(), **extra)
    return consumer, engine, settings.consumer_max_poll_records


async def written_md5(url: str, service: str) -> dict[str, str]:
    """Each table's row count and the md5 of its rows as JSON, their times left out, in a fixed order."""
    conn = await asyncpg.connect(plain_url(url))
    try:
        out = {}
        for table in WRITTEN[service]:
            if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table):
                continue
            minus = " - ".join(["to_jsonb(t)", *(f"'{c}'" for c in TIMES)])
            count, md5 = await conn.fetchrow(
                f"SELECT count(*), md5(coalesce(string_agg(r, '|' ORDER BY r), '')) "
                f"FROM (SELECT ({minus})::text AS r FROM {table} t) s")
            out[table] = f"{count}:{md5[:8]}"
        return out
    finally:
        await conn.close()


async def digest(server_uri: str, server_pid: int, service: str, recs: list, round_: int, fetch: int | None) -> dict:
    url = await devstack.create_database(server_uri, f"{service}_digest_bench", recreate=True)
    devstack.migrate(service, url)
    consumer, engine, max_poll = consumer_of(service, url)
    fetch = fetch or max_poll
    fetches = []
    for first in range(0, len(recs), fetch):
        batches: dict[TopicPartition, list] = {}
        for rec in recs[first:first + fetch]:
            batches.setdefault(TopicPartition(rec.topic, rec.partition), []).append(rec)
        fetches.append(batches)
    cpu0, pg0, t0 = time.process_time(), postgres_cpu(server_pid), time.perf_counter()
    for batches in fetches:
        await consumer._apply_fetch(batches)
    wall, cpu, pg = time.perf_counter() - t0, time.process_time() - cpu0, postgres_cpu(server_pid) - pg0
    await engine.dispose()
    n = len(recs)
    return {"round": round_, "registrations": n, "wall_s": round(wall, 2), "service_cpu_s": round(cpu, 2),
            "postgres_cpu_s": round(pg, 2), "service_ms_per_registration": round(1000 * cpu / n, 3),
            "postgres_ms_per_registration": round(1000 * pg / n, 3), "written": await written_md5(url, service)}


async def main(service: str, households: int, cache: str | None, rounds: int, fetch: int | None,
               limit: int | None) -> None:
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}; speed reference {speed_reference()}")
    with tempfile.TemporaryDirectory() as tmp:
        server = devstack.start_postgres(Path(tmp) / "pg", cleanup_mode="stop")
        try:
            pid = devstack.running_postmaster(Path(tmp) / "pg").pid
            if cache and Path(cache).exists():
                recs = pickle.loads(Path(cache).read_bytes())
            else:
                recs = records(await registry_events(server.get_uri(), households, Path(tmp)))
                if cache:
                    Path(cache).write_bytes(pickle.dumps(recs))
            recs = recs[:limit] if limit else recs
            for r in range(1, rounds + 1):
                result = await digest(server.get_uri(), pid, service, recs, r, fetch)
                print(f"{service} round {r}: {result['registrations']:,} registrations in {result['wall_s']} s wall; "
                      f"CPU {result['service_cpu_s']} s service ({result['service_ms_per_registration']} ms a "
                      f"registration) + {result['postgres_cpu_s']} s PostgreSQL "
                      f"({result['postgres_ms_per_registration']} ms); written {result['written']}")
        finally:
            devstack.stop_postgres(Path(tmp) / "pg")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--service", choices=("funds", "notifications"), required=True)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--records", help="a file keeping the import's records (made if missing)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--fetch", type=int, help="records a fetch hands over (the service's max_poll_records)")
    parser.add_argument("--limit", type=int, help="only the first LIMIT records (e.g. a stream: --fetch 1)")
    args = parser.parse_args()
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/backstop-runtime")
    os.makedirs(os.environ["XDG_RUNTIME_DIR"], exist_ok=True)
    asyncio.run(main(args.service, args.households, args.records, args.rounds, args.fetch, args.limit))
