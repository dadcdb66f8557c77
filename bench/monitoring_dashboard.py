"""Benchmark: dashboard counts at 200,000 households (target p95 ≤ 100 ms).

Set-up: 200,000 households, the county line raised so ~25% of them carry signals and cases, then the
cases spread over every stage with some deadlines missed. Timed: ``GET /api/v1/stats`` for the
county (all 10 townships, 200 villages) and for one township, and the overdue list
``GET /api/v1/cases?overdue=true`` — each request end to end through the app, 200 times.
Run: ``.venv/bin/python bench/monitoring_dashboard.py``.
"""

import sys
import time
from pathlib import Path

import asyncpg

from backstop_common.db import plain_url
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m
from bench.common import summary
from bench.monitoring_setup import HOUSEHOLDS, bench_app, load, machine, put_line, run

SPREAD = """
UPDATE cases SET
  stage = (ARRAY['opened','opened','opened','verified','notice_posted','reviewed','confirmed','confirmed',
                 'confirmed','elimination_proposed','rejected','eliminated'])[1 + floor(random() * 12)::int],
  next_due_at = now() + (random() * 40 - 20) * interval '1 day'
"""
RUNS = 200


async def timed(client, path, params, headers) -> list[float]:
    for _ in range(10):  # warm-up
        (await client.get(path, params=params, headers=headers)).raise_for_status()
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        resp = await client.get(path, params=params, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        resp.raise_for_status()
    return samples


def report(label: str, samples: list[float]) -> None:
    print(f"{label}: {summary(samples)}")


async def main() -> None:
    async with bench_app() as (client, headers, url, pg_version):
        print(f"machine: {machine()}, PostgreSQL {pg_version}, {load()}")
        await put_line(client, headers, "7000.00")
        conn = await asyncpg.connect(plain_url(url))
        await conn.execute(SPREAD)
        await conn.execute("VACUUM ANALYZE")
        cases = await conn.fetchval("SELECT count(*) FROM cases")
        signals = await conn.fetchval("SELECT count(*) FROM signals")
        await conn.close()
        print(f"households {HOUSEHOLDS:,}, signals {signals:,}, cases {cases:,}")
        report("GET /stats county (10 townships, 200 villages)",
               await timed(client, "/api/v1/stats", {"area_code": "211204000000"}, headers))
        report("GET /stats one township (20 villages)",
               await timed(client, "/api/v1/stats", {"area_code": "211204001000"}, headers))
        report("GET /cases?overdue=true county, page of 50",
               await timed(client, "/api/v1/cases", {"overdue": "true", "area_code": "211204000000"}, headers))
        report("GET /cases?stage=confirmed&risk_type=99 one village, page of 50",
               await timed(client, "/api/v1/cases", {"stage": "confirmed", "risk_type": "99",
                                                     "area_code": "211204001001"}, headers))


if __name__ == "__main__":
    run(main)
