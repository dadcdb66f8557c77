"""Benchmark: the county-wide household export, and what it does to the registry's other readers.

    XDG_RUNTIME_DIR=/tmp/rt .venv/bin/python -m bench.registry_export [--households 20000] [--seconds 15]

Starts its own embedded PostgreSQL and one registry process (uvicorn, as `make run` starts it; its outbox
relay off, so no broker is needed and nothing else runs in it), loads the demo county (清河区, 20,000
households by default) through the registry's own import, then, from this process (the load generator
is outside the service's process):
  1. quiet: a closed-loop read load (the household file by id and a township's list page, alternating)
     for ``--seconds``; its p99 is the reference;
  2. the county-wide export alone, three times (wall time of the whole request, bytes, rows);
  3. the same read load while one county-wide export runs: the p99 of the reads answered during it;
  4. four exports at once: how many the bound lets through and how many get 429.
Targets (issue 12): export ≤ 10 s; p99 of the reads during an export within 2× of the quiet p99.
"""

import argparse
import asyncio
import io
import json
import os
import random
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx
from python_calamine import CalamineWorkbook

from backstop_common import devstack
from backstop_common.auth import mint_token
from backstop_common.db import plain_url
from backstop_common.demo.county import COUNTY_CODE
from backstop_common.seed import area_rows, household_csv
from backstop_common.settings import one_machine_settings
from bench.common import closed_loop, machine, percentile, summary

EXPORT = "/api/v1/exports/households.xlsx"


def _headers(role: str, area: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(one_machine_settings(), role=role, area=area)}"}


async def _load_county(base: str, households: int) -> None:
    admin = _headers("county_admin", COUNTY_CODE)
    async with httpx.AsyncClient(base_url=base, headers=admin, timeout=900) as client:
        (await client.post("/api/v1/areas/bulk", json={"areas": area_rows()})).raise_for_status()
        started = time.perf_counter()
        resp = await client.post("/api/v1/imports/households", params={"filename": "qinghe-demo.csv"},
                                 content=household_csv(households, 2020), headers={"content-type": "text/csv"})
        resp.raise_for_status()
        print(f"loaded {resp.json()['households_registered']} households in {time.perf_counter() - started:.0f} s",
              flush=True)


async def _export(client: httpx.AsyncClient, count_rows: bool = True) -> dict:
    """One county-wide export; its rows are counted (by parsing the file) only when nothing else is timed:
    parsing 10 MB blocks this process's event loop for seconds."""
    started = time.perf_counter()
    resp = await client.get(EXPORT, params={"area_code": COUNTY_CODE})
    seconds = time.perf_counter() - started
    result = {"status": resp.status_code, "seconds": round(seconds, 2), "bytes": len(resp.content),
              "ended": time.perf_counter()}
    if resp.status_code == 200 and count_rows:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(resp.content)).get_sheet_by_index(0)
        result["rows"] = sheet.height - 1
    return result


def _reader(client: httpx.AsyncClient, ids: list[str], townships: list[str]):
    """Alternately a household's whole file and the first page of a township's list."""
    async def call(i: int) -> bool:
        url = (f"/api/v1/households/{ids[i % len(ids)]}" if i % 2 else
               f"/api/v1/households?area_code={townships[i % len(townships)]}&limit=50")
        try:
            return (await client.get(url)).status_code == 200
        except httpx.HTTPError:
            return False
    return call


async def _reads_during_export(reads, export_client, concurrency: int) -> tuple[dict, list[float]]:
    """The read load runs from before the export starts until it ends; the reads started while the
    export ran are the ones counted."""
    latencies: list[tuple[float, float]] = []
    done = asyncio.Event()

    async def worker(w: int) -> None:
        i = w
        while not done.is_set():
            started = time.perf_counter()
            await reads(i)
            latencies.append((started, (time.perf_counter() - started) * 1000))
            i += concurrency

    workers = [asyncio.create_task(worker(w)) for w in range(concurrency)]
    await asyncio.sleep(1)
    began = time.perf_counter()
    result = await _export(export_client, count_rows=False)
    ended = result.pop("ended")
    done.set()
    await asyncio.gather(*workers)
    slow = sorted(((ms, started - began) for started, ms in latencies if began <= started <= ended), reverse=True)
    print("slowest reads during it (ms, started s after the export began):",
          [(round(ms), round(at, 1)) for ms, at in slow[:8]], f"export took {ended - began:.1f} s", flush=True)
    return result, [ms for started, ms in latencies if began <= started <= ended]


async def main(households: int, seconds: float, concurrency: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        pg = devstack.start_postgres(Path(tmp) / "pg", cleanup_mode="delete")
        registry = None
        try:
            url = await devstack.create_database(pg.get_uri(), "registry")
            devstack.migrate("registry", url)
            port = devstack.free_port()
            env = devstack.service_env("registry", url, "127.0.0.1:1", REGISTRY_RELAY_ENABLED="false",
                                       LOG_LEVEL="INFO")
            registry = devstack.start_service("registry", port, env, Path(tmp) / "registry.log")
            base = f"http://127.0.0.1:{port}"
            await _load_county(base, households)
            conn = await asyncpg.connect(plain_url(url))
            ids = [str(r["id"]) for r in await conn.fetch("SELECT id FROM households ORDER BY random() LIMIT 2000")]
            townships = [r["code"] for r in await conn.fetch("SELECT code FROM areas WHERE level = 'township'")]
            await conn.close()
            random.shuffle(ids)
            return await _measure(base, ids, townships, seconds, concurrency)
        finally:
            if registry:
                devstack.stop(registry)
                built = [line for line in (Path(tmp) / "registry.log").read_text().splitlines() if "export.built" in line]
                print("the service's own account of each export:", *built[-3:], sep="\n")
            pg.cleanup()


async def _measure(base: str, ids: list[str], townships: list[str], seconds: float, concurrency: int) -> dict:
    office = _headers("county_admin", COUNTY_CODE)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=office, timeout=120, limits=limits) as reader, \
            httpx.AsyncClient(base_url=base, headers=office, timeout=300) as exporter:
        reads = _reader(reader, ids, townships)
        await closed_loop(reads, concurrency=concurrency, seconds=2)  # warm up
        quiet = await closed_loop(reads, concurrency=concurrency, seconds=seconds)
        print(f"quiet reads: {summary(quiet.latencies_ms)}", flush=True)
        alone = [await _export(exporter) for _ in range(3)]
        for run in alone:
            run.pop("ended")
        print(f"export alone: {alone}", flush=True)
        during_export, during = await _reads_during_export(reads, exporter, concurrency)
        print(f"reads during an export ({during_export}): {summary(during)}", flush=True)
        burst = await asyncio.gather(*(_export(exporter, count_rows=False) for _ in range(4)))
        print(f"four at once: {[b['status'] for b in burst]}", flush=True)
    quiet_p99, busy_p99 = percentile(quiet.latencies_ms, 99), percentile(during, 99)
    return {
        "export_seconds": [a["seconds"] for a in alone], "export_rows": alone[0].get("rows"),
        "export_bytes": alone[0]["bytes"], "export_during_reads_seconds": during_export["seconds"],
        "reads_quiet": {"rps": round(quiet.rps, 1), "p50_ms": round(percentile(quiet.latencies_ms, 50), 1),
                        "p99_ms": round(quiet_p99, 1), "errors": quiet.errors},
        "reads_during_export": {"n": len(during), "p50_ms": round(percentile(during, 50), 1),
                                "p99_ms": round(busy_p99, 1)},
        "p99_ratio": round(busy_p99 / quiet_p99, 2),
        "four_at_once": sorted(b["status"] for b in burst),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(f"machine: {machine()}; load average before {os.getloadavg()}")
    result = asyncio.run(main(args.households, args.seconds, args.concurrency))
    result["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "registry_export.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
