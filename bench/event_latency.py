"""Event latency: HTTP write in registry → case in monitoring → message in notifications.

Starts the stack as `make run` does, loads households through the national-export import, then sends
income assessments under the monitoring line at a steady rate, stage after stage (200/s, 400/s, …),
and reads back from each service's database when the case was opened and the first message created.
Also samples each process's memory at rest and under the load, and the CPU each process (services,
broker, PostgreSQL, this load client) spent per write from the stage's start to its last message: on a
shared machine that figure carries over where the wall times do not.

    python -m bench.event_latency [--seconds 8] [--rates 20,50,100,200] [--backlog 2000]
"""

import argparse
import asyncio
import json
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

import asyncpg
import httpx
from backstop_common.db import plain_url
from backstop_common.demo.county import areas
from backstop_common.demo.households import household_csv
from backstop_common.devstack import run_stack
from backstop_common.seed import directory

from bench.common import (cpu_ms_per, cpu_seconds, machine, open_loop, percentile, profiled, rss_mb,
                          wait_until_quiet)

ADMIN = ("county_admin", "211204000000")


async def _prepare(stack, households: int) -> list[str]:
    headers = stack.headers(*ADMIN)
    async with httpx.AsyncClient(timeout=600, headers=headers) as client:
        body = {"areas": [{"code": a.code, "name": a.name, "parent_code": a.parent_code} for a in areas()]}
        (await client.post(f"{stack.url('registry')}/api/v1/areas/bulk", json=body)).raise_for_status()
        (await client.post(f"{stack.url('notifications')}/api/v1/recipients/bulk", json={"items": directory()})
         ).raise_for_status()
        (await client.post(f"{stack.url('registry')}/api/v1/imports/households", params={"filename": "b.csv"},
                           content=household_csv(households, seed=99), headers={"content-type": "text/csv"})
         ).raise_for_status()
    reg = await asyncpg.connect(plain_url(stack.database_url("registry")))
    ids = [str(r["id"]) for r in await reg.fetch("SELECT id FROM households ORDER BY id")]
    await reg.close()
    mon = await asyncpg.connect(plain_url(stack.database_url("monitoring")))
    while await mon.fetchval("SELECT count(*) FROM household_facts") < len(ids):  # registrations consumed
        await asyncio.sleep(1)
    open_cases = {str(r["household_id"]) for r in await mon.fetch("SELECT household_id FROM cases")}
    await mon.close()
    await wait_until_quiet(stack)
    return [i for i in ids if i not in open_cases]


async def _stage(stack, client: httpx.AsyncClient, households: list[str], rate: int,
                 profile: str | None = None) -> dict:
    sent: dict[str, float] = {}
    errors = 0

    async def assess(i: int) -> None:
        nonlocal errors
        household = households[i]
        sent[household] = time.time()
        try:
            resp = await client.post(f"{stack.url('registry')}/api/v1/households/{household}/income-assessments",
                                     json={"year": 2026, "wage": "1800", "business": "0", "business_costs": "0",
                                           "property": "0", "transfer": "600"})
            errors += resp.status_code != 201
        except httpx.HTTPError:  # past saturation a queued request can lose its connection: count it
            errors += 1
            sent.pop(household, None)

    processes = stack.processes()
    peak: dict[str, float] = {}

    async def sample() -> None:
        while True:
            for name, mb in rss_mb(processes).items():
                peak[name] = max(peak.get(name, 0), mb)
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    cpu_before = cpu_seconds(stack)
    begin = time.perf_counter()
    with profiled(stack, profile, f"rate{rate}"):
        await open_loop(assess, rate=rate, count=len(households))
        achieved = len(households) / (time.perf_counter() - begin)
        case_ms, message_ms = await _latencies(stack, sent)
    cpu = cpu_ms_per(cpu_before, cpu_seconds(stack), len(households))  # until the last message: the whole chain
    sampler.cancel()
    return {"rate": rate, "achieved_rate": round(achieved), "writes": len(households), "errors": errors,
            "case_ms": _pcts(case_ms), "message_ms": _pcts(message_ms), "peak_rss_mb": peak,
            "cases_found": len(case_ms), "messages_found": len(message_ms),
            "cpu_ms_per_write": cpu, "load_average": [round(x, 2) for x in os.getloadavg()]}


def _pcts(values: list[float]) -> dict:
    return {f"p{p}": round(percentile(values, p), 1) for p in (50, 95, 99)}


async def _latencies(stack, sent: dict[str, float], timeout: float = 60) -> tuple[list[float], list[float]]:
    ids = list(sent)
    mon = await asyncpg.connect(plain_url(stack.database_url("monitoring")))
    note = await asyncpg.connect(plain_url(stack.database_url("notifications")))
    deadline = time.monotonic() + timeout
    try:
        while True:
            cases = await mon.fetch("SELECT id, household_id, opened_at FROM cases WHERE household_id = ANY($1::uuid[])", ids)
            subjects = [str(c["id"]) for c in cases] + ids
            messages = await note.fetch("SELECT event_subject, min(created_at) AS at FROM messages "
                                        "WHERE event_subject = ANY($1::text[]) GROUP BY event_subject", subjects)
            by_case = {str(c["id"]): str(c["household_id"]) for c in cases}
            first_message: dict[str, datetime] = {}
            for m in messages:
                household = by_case.get(m["event_subject"], m["event_subject"])
                if household not in first_message or m["at"] < first_message[household]:
                    first_message[household] = m["at"]
            if (len(cases) == len(ids) and len(first_message) == len(ids)) or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)
    finally:
        await mon.close()
        await note.close()
    case_ms = [(c["opened_at"].timestamp() - sent[str(c["household_id"])]) * 1000 for c in cases]
    message_ms = [(at.timestamp() - sent[h]) * 1000 for h, at in first_message.items()]
    return case_ms, message_ms


async def _backlog(stack, client: httpx.AsyncClient, households: list[str], profile: str | None = None) -> dict:
    """Downstream alone: with monitoring, funds and notifications stopped (SIGSTOP), the registry takes the
    writes; then they are resumed and digest the queue. Cases and messages a second, and the CPU each process
    spent per write while digesting — the registry's own HTTP cost is out of these figures."""
    downstream = [p for name, p in stack.processes().items() if name in ("monitoring", "funds", "notifications")]
    for proc in downstream:
        proc.suspend()
    sent: dict[str, float] = {}
    try:
        async def assess(i: int) -> None:
            sent[households[i]] = time.time()
            (await client.post(f"{stack.url('registry')}/api/v1/households/{households[i]}/income-assessments",
                               json={"year": 2026, "wage": "1800", "business": "0", "business_costs": "0",
                                     "property": "0", "transfer": "600"})).raise_for_status()

        for start in range(0, len(households), 16):
            await asyncio.gather(*(assess(i) for i in range(start, min(start + 16, len(households)))))
        reg = await asyncpg.connect(plain_url(stack.database_url("registry")))
        while await reg.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL"):
            await asyncio.sleep(0.5)
        await reg.close()
    finally:
        cpu_before = cpu_seconds(stack)
        resumed = time.time()
        for proc in downstream:
            proc.resume()
    with profiled(stack, profile, "backlog"):
        case_ms, message_ms = await _latencies(stack, {h: resumed for h in sent}, timeout=300)
    # per write that came through the whole chain (a digest cut short by the timeout did only those)
    cpu = cpu_ms_per(cpu_before, cpu_seconds(stack), len(message_ms))
    case_s, message_s = max(case_ms, default=0) / 1000, max(message_ms, default=0) / 1000
    return {"backlog": len(sent), "cases_found": len(case_ms), "messages_found": len(message_ms),
            "all_cases_s": round(case_s, 2), "all_messages_s": round(message_s, 2),
            "writes_per_s_digested": round(len(sent) / message_s, 1) if message_s else None,
            "cpu_ms_per_write": cpu, "load_average": [round(x, 2) for x in os.getloadavg()]}


async def main(seconds: float, rates: list[int], backlog: int = 0, profile: str | None = None,
               keep_going: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        stack = run_stack(Path(tmp), extra_env={"LOG_LEVEL": "WARNING"})
        try:
            needed = int(sum(rates) * seconds * 1.1) + 500 + backlog
            free = await _prepare(stack, needed)
            await asyncio.sleep(5)
            rest = rss_mb(stack.processes())
            print(f"memory at rest (MB): {rest}", flush=True)
            stages = []
            limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
            async with httpx.AsyncClient(timeout=30, limits=limits, headers=stack.headers(*ADMIN)) as client:
                offset = 0
                if backlog:
                    result = await _backlog(stack, client, free[:backlog], profile)
                    offset += backlog
                    print(json.dumps(result, ensure_ascii=False), flush=True)
                    stages.append(result)
                    await wait_until_quiet(stack)
                for rate in rates:
                    count = int(rate * seconds)
                    result = await _stage(stack, client, free[offset:offset + count], rate, profile)
                    offset += count
                    print(json.dumps(result, ensure_ascii=False), flush=True)
                    stages.append(result)
                    await wait_until_quiet(stack)
                    if result["message_ms"]["p99"] > 1000 and not keep_going:
                        break
            await asyncio.sleep(5)  # the consumers idle: a burst's memory is given back once they are (consumer.py)
            after = rss_mb(stack.processes())
            print(f"memory at rest after the runs (MB): {after}", flush=True)
            return {"machine": machine(), "rss_at_rest_mb": rest, "rss_at_rest_after_runs_mb": after, "stages": stages}
        finally:
            stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rates", default="20,50,100,200", help="'' for none")
    parser.add_argument("--backlog", type=int, default=0,
                        help="first digest this many writes queued while the consumers were stopped")
    parser.add_argument("--profile", help="a folder: py-spy samples each service during each stage (pip install py-spy)")
    parser.add_argument("--keep-going", action="store_true", help="every rate, even past the one whose p99 > 1 s")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    report = asyncio.run(main(args.seconds, [int(r) for r in args.rates.split(",") if r], args.backlog, args.profile,
                                  args.keep_going))
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "event_latency.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
