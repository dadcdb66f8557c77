"""Registry read and list throughput, side by side with a bare Starlette + asyncpg baseline.

Both run one uvicorn worker against the same database (the registry's, loaded with the demo county);
the same closed-loop client drives each for the same time. Reported: requests/s and the ratio.
With wrk installed (`make bench` installs it) the load comes from wrk instead (one thread, its CPU reported),
and the income assessment's write is compared with the bare write baseline too (issue 18).

    python -m bench.api_throughput [--households 20000] [--seconds 10] [--concurrency 32] [--rounds 2]
"""

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg
import httpx

from backstop_common.db import plain_url
from backstop_common.devstack import free_port, run_stack, stop, wait_for_port
from backstop_common.seed import seed_demo
from bench import wrk
from bench.common import closed_loop, machine, percentile, wait_until_quiet

TOWNSHIP = "211204101000"


async def _drive(url_of, headers, seconds: float, concurrency: int):
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits, headers=headers) as client:
        async def call(i: int) -> bool:
            try:
                return (await client.get(url_of(i))).status_code == 200
            except httpx.HTTPError:
                return False

        await closed_loop(call, concurrency=concurrency, seconds=2)  # warm up
        return await closed_loop(call, concurrency=concurrency, seconds=seconds)


async def main(households: int, seconds: float, concurrency: int, rounds: int = 2) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        stack = run_stack(Path(tmp), extra_env={"LOG_LEVEL": "WARNING"})
        baseline = None
        try:
            seed_demo(json.loads((Path(tmp) / "stack.json").read_text()), households=households)
            await wait_until_quiet(stack)  # the other services digest the import before anything is timed
            db = plain_url(stack.database_url("registry"))
            conn = await asyncpg.connect(db)
            ids = [str(r["id"]) for r in await conn.fetch("SELECT id FROM households ORDER BY random() LIMIT 2000")]
            await conn.close()
            port = free_port()
            baseline = subprocess.Popen([sys.executable, "-m", "uvicorn", "bench.baseline_app:app", "--port", str(port),
                                         "--no-access-log", "--log-level", "warning"],
                                        env={**os.environ, "BASELINE_DATABASE_URL": db})
            wait_for_port(port)
            base = f"http://127.0.0.1:{port}"
            reg = f"{stack.url('registry')}/api/v1"
            headers = stack.headers("township_staff", TOWNSHIP)
            admin = stack.headers("county_admin", "211204000000")  # reads any household of the county
            targets = {
                "registry GET /households/{id}": (lambda i: f"{reg}/households/{ids[i % len(ids)]}", admin),
                "baseline GET /households/{id}": (lambda i: f"{base}/households/{ids[i % len(ids)]}", {}),
                "registry GET /households?area_code=<township>":
                    (lambda i: f"{reg}/households?area_code={TOWNSHIP}&limit=50", headers),
                "baseline GET /households?area_prefix=<township>":
                    (lambda i: f"{base}/households?area_prefix=211204101", {}),
            }
            if shutil.which("wrk"):
                return _with_wrk(reg, base, ids, admin, headers, seconds, concurrency, rounds)
            runs = {}
            for name, (url_of, hdrs) in targets.items():
                runs[name] = await _drive(url_of, hdrs, seconds, concurrency)
                print(f"{name}: {runs[name].rps:.1f} req/s, errors {runs[name].errors}", flush=True)
        finally:
            if baseline:
                stop(baseline)
            stack.stop()
    report = {name: {"rps": round(r.rps, 1), "errors": r.errors, "p50_ms": round(percentile(r.latencies_ms, 50), 1),
                     "p99_ms": round(percentile(r.latencies_ms, 99), 1)} for name, r in runs.items()}
    names = list(report)
    report["ratio_read"] = round(report[names[0]]["rps"] / report[names[1]]["rps"], 3)
    report["ratio_list"] = round(report[names[2]]["rps"] / report[names[3]]["rps"], 3)
    return report


INCOME = {"year": 2025, "wage": "42000", "business": "6000", "business_costs": "1000", "property": "0",
          "transfer": "3000"}


def _with_wrk(reg: str, base: str, ids: list[str], admin: dict, township: dict, seconds: float,
              connections: int, rounds: int) -> dict:
    """The same pairs driven by wrk, plus the income assessment against the bare write baseline; each pair
    ``rounds`` times in turn, the ratio of the mean requests a second."""
    reg_root, reg_prefix = reg.rsplit("/api/v1", 1)[0], "/api/v1"
    pairs = {
        "read": ((reg_root, [f"{reg_prefix}/households/{i}" for i in ids], admin, None),
                 (base, [f"/households/{i}" for i in ids], {}, None)),
        "list": ((reg_root, [f"{reg_prefix}/households?area_code={TOWNSHIP}&limit=50"], township, None),
                 (base, ["/households?area_prefix=211204101"], {}, None)),
        "income write": ((reg_root, [f"{reg_prefix}/households/{i}/income-assessments" for i in ids], admin, INCOME),
                         (base, [f"/households/{i}/income-assessments" for i in ids], {}, INCOME)),
    }
    report = {"load_generator": f"wrk, 1 thread, {rounds} rounds a pair, the order turned each round"}
    for name, (registry, baseline) in pairs.items():
        runs = {"registry": [], "baseline": []}
        for turn in range(rounds):
            # registry first, then baseline first: a host that speeds up or slows down during the pair
            # favours neither side (one 10-s round each was 57.5 % one run and 88.7 % the run before)
            order = (("registry", registry), ("baseline", baseline))
            for who, (root, paths, hdrs, body) in order if turn % 2 == 0 else order[::-1]:
                runs[who].append(wrk.run(root, paths, headers=hdrs, body=body, seconds=seconds,
                                         connections=connections))
                print(f"{who} {name} (round {turn + 1}): {runs[who][-1]}", flush=True)
        for who, rounds_run in runs.items():
            report[f"{who} {name}"] = {"rps": round(sum(r["rps"] for r in rounds_run) / len(rounds_run), 1),
                                       "rounds": rounds_run}
        report[f"ratio {name}"] = round(report[f"registry {name}"]["rps"] / report[f"baseline {name}"]["rps"], 3)
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="wrk rounds a pair, the order turned each round")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    result = asyncio.run(main(args.households, args.seconds, args.concurrency, args.rounds))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "api_throughput.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
