"""The kernel's CPU for one fetch holding one record (issue 18: under a stream of 20 writes/s each fetch carries one).

A PostgreSQL of its own (no broker, no service): an ``EventConsumer`` whose one handler writes one row, handed
fetches of one record each (``_apply_fetch``, then the loop's bookkeeping), as the loop hands them. Reports this
process's CPU a fetch (``time.process_time``) and PostgreSQL's, and the statements a fetch sends — the
kernel's fixed part of every fetch, without a service's handler, the broker or the event loop's I/O for Kafka.
CPU, not wall time: on a shared machine it carries over where latencies do not. Run it on two checkouts to compare.

    python -m bench.consumer_fetch [--fetches 2000] [--records 1]
"""

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import psutil
from aiokafka.structs import ConsumerRecord, TopicPartition
from backstop_common import devstack
from backstop_common.consumer import EventConsumer
from backstop_common.envelope import to_kafka
from backstop_common.logging import configure_logging
from backstop_common.settings import ServiceSettings
from backstop_common.testing import make_event, messaging_database
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Integer, MetaData, String, Table, event
from sqlalchemy.dialects.postgresql import insert

TOPIC = "registry.household"
seen = Table("fetch_seen", MetaData(), Column("subject", String, primary_key=True), Column("n", Integer))


class Anything(BaseModel):
    model_config = ConfigDict(extra="allow")


async def one_row(evt, data, uow) -> None:
    stmt = insert(seen).values(subject=evt.subject, n=1)
    await uow.session.execute(stmt.on_conflict_do_update(index_elements=["subject"], set_={"n": seen.c.n + 1}))


def _postgres_cpu(data_dir: Path) -> float:
    post = devstack.running_postmaster(data_dir)
    procs = [post, *post.children(recursive=True)] if post else []
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


async def main(fetches: int, records: int) -> dict:
    configure_logging("bench", "WARNING", True)  # as the services run in the benches (LOG_LEVEL=WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "pg"
        server = devstack.start_postgres(data_dir, cleanup_mode=None)
        try:
            async with messaging_database(server.get_uri(), "fetchbench", seen, pool_size=10) as (_, sessions):
                settings = ServiceSettings(kafka_bootstrap_servers="localhost:1", service_name="bench")
                kind = "backstop.registry.household.registered.v1"
                consumer = EventConsumer(settings=settings, session_factory=sessions, publisher=None,
                                         handlers={kind: one_row}, models={kind: Anything}, topics=[TOPIC])
                statements = []
                engine = sessions.kw["bind"].sync_engine
                event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))
                tp = TopicPartition(TOPIC, 0)

                def fetch(n: int) -> dict:
                    batch = []
                    for i in range(records):
                        rec = to_kafka(make_event("registry", "household.registered", f"h{n}-{i}", {"v": n}))
                        batch.append(ConsumerRecord(TOPIC, 0, n * records + i, 0, 0, rec.key, rec.value, None,
                                                    len(rec.key), len(rec.value), tuple(rec.headers)))
                    return {tp: batch}

                warm = min(200, fetches)
                for n in range(warm):  # every pooled connection prepares its statements once
                    await consumer._apply_fetch(fetch(n))
                prepared = [fetch(warm + n) for n in range(fetches)]
                statements.clear()
                cpu, pg, began = time.process_time(), _postgres_cpu(data_dir), time.monotonic()
                for batches in prepared:
                    consumer.positions.receiving(batches)
                    await consumer._apply_fetch(batches)
                    consumer.positions.applied(batches)
                cpu, pg = time.process_time() - cpu, _postgres_cpu(data_dir) - pg
                return {"fetches": fetches, "records_a_fetch": records,
                        "consumer_cpu_ms_a_fetch": round(cpu * 1000 / fetches, 3),
                        "postgres_cpu_ms_a_fetch": round(pg * 1000 / fetches, 3),
                        "statements_a_fetch": round(len(statements) / fetches, 2),
                        "wall_s": round(time.monotonic() - began, 1),
                        "load_average": [round(x, 2) for x in psutil.getloadavg()]}
        finally:
            devstack.stop_postgres(data_dir)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--fetches", type=int, default=2000)
    parser.add_argument("--records", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.fetches, args.records))))
