"""Benchmark: bulk work through the registry's batch routes, digested downstream (issue 18: a batch of 10,000
income assessments or a department feed of 10,000 records has every resulting case opened and every message
created within 15 s).

    BACKSTOP_ENV=dev XDG_RUNTIME_DIR=/tmp/rt .venv/bin/python -m bench.bulk_batch [--records 10000] [--profile DIR]
        [--only income|housing]

Set-up (not timed): ``backstop up`` on free ports, the demo county's areas and recipients, and twice
``--records`` demo households (plus a margin) through the national-export import, digested; only households
without an open case are used. Timed, one after the other (the consumers drained in between):
- **income batch**: ``--records`` income assessments under the monitoring line, sent as requests of the
  batch route's limit (``BATCH_MAX``) one after another, each opening a case;
- **housing feed**: one ``POST /api/v1/feeds/housing`` of ``--records`` D appraisals (by the head's ID number),
  each opening a case.
For each: the registry's answer time, then from the first request until every household has its case in
monitoring and its first message in notifications (read from their databases, as ``bench.event_latency``
does), and the CPU seconds each process spent from the first request to the last message.
"""

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

from backstop_common.db import plain_url
from backstop_common.devstack import run_stack
from bench.common import cpu_seconds, machine, profiled, rss_mb, wait_until_quiet
from bench.event_latency import ADMIN, _latencies, _prepare
from registry.schemas.records import BATCH_MAX

#: income under the monitoring line (as bench.event_latency assesses): each assessment opens a case
LOW_INCOME = {"year": 2026, "wage": "1800", "business": "0", "business_costs": "0", "property": "0",
              "transfer": "600"}
TARGET_S = 15


async def _heads(stack, households: list[str]) -> dict[str, str]:
    """household id → its head's ID number (a department's feed names people)."""
    reg = await asyncpg.connect(plain_url(stack.database_url("registry")))
    try:
        rows = await reg.fetch("SELECT household_id, id_number FROM members WHERE is_head AND removed_on IS NULL "
                               "AND household_id = ANY($1::uuid[])", households)
    finally:
        await reg.close()
    return {str(r["household_id"]): r["id_number"] for r in rows}


async def _income_batch(stack, client: httpx.AsyncClient, households: list[str]) -> tuple[float, int]:
    """(seconds until the last request's answer, records recorded)."""
    recorded, started = 0, time.perf_counter()
    for start in range(0, len(households), BATCH_MAX):
        items = [{"household_id": h, **LOW_INCOME} for h in households[start:start + BATCH_MAX]]
        resp = await client.post(f"{stack.url('registry')}/api/v1/income-assessments/batch", json={"items": items})
        resp.raise_for_status()
        recorded += resp.json()["recorded"]
    return time.perf_counter() - started, recorded


async def _housing_feed(stack, client: httpx.AsyncClient, households: list[str]) -> tuple[float, int]:
    heads = await _heads(stack, households)
    records = [{"id_number": heads[h], "grade": "D", "assessed_on": "2026-06-01"} for h in households if h in heads]
    started = time.perf_counter()
    resp = await client.post(f"{stack.url('registry')}/api/v1/feeds/housing", json={"records": records})
    resp.raise_for_status()
    return time.perf_counter() - started, resp.json()["changed"]


async def _run(stack, client, name: str, send, households: list[str], profile: str | None) -> dict:
    await wait_until_quiet(stack)
    cpu0, load0 = cpu_seconds(stack), os.getloadavg()[0]
    sent = time.time()
    with profiled(stack, profile, name):
        answered, written = await send(stack, client, households)
        cpu_answered = cpu_seconds(stack)  # the registry's share of this is the request's own (its relay aside)
        case_ms, message_ms = await _latencies(stack, dict.fromkeys(households, sent), timeout=900)
    cpu1 = cpu_seconds(stack)
    result = {"run": name, "records": len(households), "written": written, "answered_s": round(answered, 1),
              "cases": len(case_ms), "messages": len(message_ms),
              "all_cases_s": round(max(case_ms, default=0) / 1000, 1),
              "all_messages_s": round(max(message_ms, default=0) / 1000, 1),
              "cpu_s": {k: round(cpu1[k] - cpu0.get(k, 0.0), 1) for k in cpu1},
              "cpu_s_to_answer": {k: round(cpu_answered[k] - cpu0.get(k, 0.0), 2) for k in ("registry", "postgres")},
              "load_average_1min": {"before": round(load0, 2), "after": round(os.getloadavg()[0], 2)},
              "rss_mb_after": rss_mb(stack.processes())}
    verdict = "within" if result["all_messages_s"] <= TARGET_S and len(message_ms) == len(households) else "OVER"
    print(f"{name}: {len(households):,} records answered in {answered:.1f} s; every case in "
          f"{result['all_cases_s']} s, every message in {result['all_messages_s']} s ({len(case_ms):,} cases, "
          f"{len(message_ms):,} households with a message) — {verdict} the {TARGET_S} s target", flush=True)
    print(f"  CPU s from the request to the last message: {result['cpu_s']}; to the answer: "
          f"{result['cpu_s_to_answer']}; load {result['load_average_1min']}", flush=True)
    return result


RUNS = {"income": ("income batch", _income_batch), "housing": ("housing feed", _housing_feed)}


async def main(records: int, profile: str | None, only: str | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        stack = run_stack(Path(tmp), extra_env={"LOG_LEVEL": "WARNING"}, timeout=900)
        try:
            free = await _prepare(stack, 2 * records * 4 // 3)  # about one demo household in five has a case already
            if len(free) < 2 * records:
                raise SystemExit(f"only {len(free)} households without a case; need {2 * records}")
            async with httpx.AsyncClient(timeout=1800, headers=stack.headers(*ADMIN)) as client:
                runs = [await _run(stack, client, name, send, free[n * records:(n + 1) * records], profile)
                        for n, (key, (name, send)) in enumerate(RUNS.items()) if only in (None, key)]
            return {"machine": machine(), "batch_max": BATCH_MAX, "runs": runs}
        finally:
            stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--profile", help="a folder: py-spy samples each service during each run")
    parser.add_argument("--only", choices=sorted(RUNS), help="one run instead of both (the set-up is the same)")
    args = parser.parse_args()
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/backstop-runtime")
    os.makedirs(os.environ["XDG_RUNTIME_DIR"], exist_ok=True)
    print(f"machine: {machine()}", flush=True)
    report = asyncio.run(main(args.records, args.profile, args.only))
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "bulk_batch.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
