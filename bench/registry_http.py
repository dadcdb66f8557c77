"""The registry's hot HTTP routes against the bare baselines, side by side in one run, driven by wrk (issue 18).

    XDG_RUNTIME_DIR=/tmp/rt .venv/bin/python -m bench.registry_http [--households 20000] [--seconds 10]
        [--connections 16] [--rounds 2] [--profile]

Lighter than `bench/api_throughput.py` (which starts the whole stack and waits for it to digest the county):
its own embedded PostgreSQL, one registry process (uvicorn, one worker, as `make run` starts it, its outbox relay
and consumer off so no broker is needed) and `bench/baseline_app.py` (bare Starlette + asyncpg, one worker) on the same
database, loaded with the demo county through the registry's own import. Then, for each pair, registry and
baseline alternately, ``--rounds`` times (so a neighbour's load on a shared machine falls on both alike):
  - read:  ``GET /households/{id}`` as the county admin (unmasked: the file and its access-log row)
           vs the baseline's household + members query;
  - write: ``POST /households/{id}/income-assessments`` vs the baseline's same writes in one transaction;
  - housing, water, disaster: ``POST /households/{id}/housing-assessments``, ``…/water-assessments``,
           ``…/disasters`` likewise;
  - member change: ``PATCH /members/{id}`` with ``If-Match`` (a new out-of-pocket medical cost each time: a health
           event, and the county admin's access-log row for the member answered unmasked) vs the baseline's same
           rows; each run takes members afresh with their current versions.
Reported per pair: each side's req/s, p50/p99, wrk's CPU, the server process's and PostgreSQL's CPU per request,
the ratio of the median req/s and the ratio of the server CPU a request costs (baseline / registry: what the
req/s ratio would be if each had a core to itself). On a loaded machine only the ratios mean anything, and the
CPU ratio least disturbed by the neighbours.

``--profile``: one more registry run of each pair under py-spy (``record --format raw``, the registry's
process only, on-CPU samples); the folded stacks go to ``bench/out/registry_<pair>.folded`` and the top of the self/inclusive
split is printed (`bench.profile_summary`).
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg
import psutil

from backstop_common import devstack
from backstop_common.auth import mint_token
from backstop_common.db import plain_url
from backstop_common.demo.county import COUNTY_CODE
from backstop_common.settings import one_machine_settings
from bench import wrk
from bench.api_throughput import INCOME
from bench.common import machine
from bench.profile_summary import summarise
from bench.registry_export import _load_county

OUT = Path(__file__).parent / "out"
HOUSING = {"grade": "C", "assessed_on": "2026-06-01", "note": "bench"}
WATER = {"safe_water": False, "assessed_on": "2026-06-01", "note": "bench"}
DISASTER = {"disaster_type": "0201", "loss_amount": "60000.00", "occurred_on": "2026-07-20", "description": "bench"}
#: ``$n``: the request's number (bench/wrk.py), so every change is a change
MEMBER_CHANGE = {"medical_out_of_pocket": "$n.00", "medical_cost_year": 2026}
MEMBERS = "SELECT id, version FROM members WHERE removed_on IS NULL ORDER BY random() LIMIT 20000"


def _appending(ids: list[str], admin: dict, route: str, body: dict) -> tuple:
    return ({"paths": [f"/api/v1/households/{i}/{route}" for i in ids], "headers": admin, "body": body},
            {"paths": [f"/households/{i}/{route}" for i in ids], "body": body})


def _pairs(ids: list[str]) -> dict:
    """Each side's ``wrk.run`` arguments; a callable for a route whose requests depend on the database's state."""
    admin = {"Authorization": f"Bearer {mint_token(one_machine_settings(), role='county_admin', area=COUNTY_CODE)}"}

    def member_change(prefix: str, headers: dict):
        async def target(conn) -> dict:
            rows = await conn.fetch(MEMBERS)
            return {"paths": [f"{prefix}/members/{r['id']}" for r in rows], "headers": headers,
                    "path_headers": [{"If-Match": str(r["version"])} for r in rows], "body": MEMBER_CHANGE,
                    "method": "PATCH"}
        return target

    return {
        "read": ({"paths": [f"/api/v1/households/{i}" for i in ids], "headers": admin},
                 {"paths": [f"/households/{i}" for i in ids]}),
        "income write": _appending(ids, admin, "income-assessments", INCOME),
        "housing write": _appending(ids, admin, "housing-assessments", HOUSING),
        "water write": _appending(ids, admin, "water-assessments", WATER),
        "disaster write": _appending(ids, admin, "disasters", DISASTER),
        "member change": (member_change("/api/v1", admin), member_change("", {})),
    }


async def _arguments(target, url: str) -> dict:
    if not callable(target):
        return target
    await asyncio.sleep(1)  # the previous run's last requests (wrk stops, the server finishes them) commit first
    conn = await asyncpg.connect(plain_url(url))
    try:
        return await target(conn)
    finally:
        await conn.close()


def _cpu(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


def _postgres_cpu(postmaster: psutil.Process) -> float:
    """The backends' CPU (pooled connections live through a run; one that ends mid-run is lost, a few ms)."""
    total = 0.0
    for child in postmaster.children():
        try:
            total += _cpu(child)
        except psutil.NoSuchProcess:
            pass
    return total


def _timed(server: psutil.Process, postmaster: psutil.Process, root: str, target: dict, seconds: float,
           connections: int) -> dict:
    """One wrk run with the server's and PostgreSQL's CPU per request beside it: on a loaded machine the
    req/s say as much about the neighbours as about the server, the CPU a request costs does not."""
    before, pg_before = _cpu(server), _postgres_cpu(postmaster)
    result = wrk.run(root, **target, seconds=seconds, connections=connections)
    requests = max(1.0, result["rps"] * seconds)
    result["server_cpu_ms_per_request"] = round((_cpu(server) - before) * 1000 / requests, 2)
    result["postgres_cpu_ms_per_request"] = round((_postgres_cpu(postmaster) - pg_before) * 1000 / requests, 2)
    return result


def _profile(pid: int, name: str, base: str, target: dict, seconds: float, connections: int) -> dict:
    OUT.mkdir(exist_ok=True)
    folded = OUT / f"registry_{name.replace(' ', '_')}.folded"
    spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid),
                            "--format", "raw", "--rate", "250", "--duration", str(int(seconds)), "--output",
                            str(folded), "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result = wrk.run(base, **target, seconds=seconds, connections=connections)
    spy.wait(60)
    return {"wrk": result, "profile": str(folded), "summary": summarise(folded.read_text())}


async def main(households: int, seconds: float, connections: int, rounds: int, profile: bool,
               only: list[str] | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        pg = devstack.start_postgres(Path(tmp) / "pg", cleanup_mode="delete")
        registry = baseline = None
        try:
            url = await devstack.create_database(pg.get_uri(), "registry")
            devstack.migrate("registry", url)
            port, base_port = devstack.free_port(), devstack.free_port()
            env = devstack.service_env("registry", url, "127.0.0.1:1", REGISTRY_RELAY_ENABLED="false",
                                       REGISTRY_CONSUMERS_ENABLED="false",
                                       LOG_LEVEL=os.environ.get("LOG_LEVEL", "INFO"))
            registry = devstack.start_service("registry", port, env, Path(tmp) / "registry.log")
            reg = f"http://127.0.0.1:{port}"
            await _load_county(reg, households)
            conn = await asyncpg.connect(plain_url(url))
            await conn.execute("ANALYZE")
            ids = [str(r["id"]) for r in await conn.fetch("SELECT id FROM households ORDER BY random() LIMIT 2000")]
            await conn.close()
            baseline = subprocess.Popen([sys.executable, "-m", "uvicorn", "bench.baseline_app:app", "--port",
                                         str(base_port), "--no-access-log", "--log-level", "warning"],
                                        env={**os.environ, "BASELINE_DATABASE_URL": plain_url(url)})
            devstack.wait_for_port(base_port)
            base = f"http://127.0.0.1:{base_port}"
            postmaster = devstack.running_postmaster(Path(tmp) / "pg")
            servers = {"registry": psutil.Process(registry.pid), "baseline": psutil.Process(baseline.pid)}
            report = {"load_generator": "wrk, 1 thread", "households": households, "connections": connections,
                      "load_average_before": [round(x, 1) for x in os.getloadavg()]}
            for name, (mine, theirs) in _pairs(ids).items():
                if only and name not in only:
                    continue
                runs = {"registry": [], "baseline": []}
                for who, root, target in [("registry", reg, mine), ("baseline", base, theirs)] * rounds:
                    wrk.run(root, **await _arguments(target, url), seconds=2, connections=connections)  # warm
                    runs[who].append(_timed(servers[who], postmaster, root, await _arguments(target, url), seconds,
                                            connections))
                    print(f"{who} {name}: {runs[who][-1]}", flush=True)
                median = {who: statistics.median(r["rps"] for r in rs) for who, rs in runs.items()}
                cpu = {who: statistics.median(r["server_cpu_ms_per_request"] for r in rs) for who, rs in runs.items()}
                report[name] = {**runs, "ratio": round(median["registry"] / median["baseline"], 3),
                                "cpu_ratio": round(cpu["baseline"] / cpu["registry"], 3)}
                print(f"{name}: ratio {report[name]['ratio']}, server CPU a request {cpu['registry']:.2f} vs "
                      f"{cpu['baseline']:.2f} ms (baseline/registry {report[name]['cpu_ratio']})", flush=True)
                if profile:
                    report[name]["profile"] = _profile(registry.pid, name, reg, await _arguments(mine, url), seconds,
                                                       connections)
                    print(json.dumps(report[name]["profile"]["summary"], indent=1, ensure_ascii=False), flush=True)
            report["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
            return report
        finally:
            for proc in (baseline, registry):
                if proc:
                    devstack.stop(proc)
            pg.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="one more registry run of each pair under py-spy")
    parser.add_argument("--only", action="append", help="run only this pair (repeatable): read, income write, …")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: `make wrk`")
    print(f"machine: {machine()}")
    result = asyncio.run(main(args.households, args.seconds, args.connections, args.rounds, args.profile, args.only))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    OUT.mkdir(exist_ok=True)
    (OUT / "registry_http.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
