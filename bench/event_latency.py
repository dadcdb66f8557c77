"""Event latency: HTTP write in registry → case in monitoring → message in notifications.

Starts the stack as `make run` does, loads households through the national-export import, then sends
income assessments under the monitoring line at a steady rate, stage after stage (200/s, 400/s, …),
and reads back from each service's database when the case was opened and the first message created.
Also samples each process's memory at rest and under the load, and the CPU each process (services,
broker, PostgreSQL) spent per write from the stage's start to its last message: on a shared machine that
figure carries over where the wall times do not. The writes come from a separate process (issue 18: the load
generator must not share a process with anything measured, nor be the bottleneck): plain HTTP/1.1 on kept-alive
sockets at a fixed rate (``bench/load_http.py``); its CPU is reported apart ("load generator"), and so is this
process's ("load client": it only reads the results back). Before the stages, the stack's CPU a
second at rest (``--idle-seconds``): the consumers' empty fetches, the relays' and watches' timers. Each stage also
says where a write's way to its case went (``hops_ms``: request, relay and broker, fetch, handler — ``_hops``) and
what its errors were (``error_kinds``, ``error_samples``). With ``--batch N`` the same records go N to a request
through the batch route (a cadre's phone syncing the day's visits, a department's feed): the rate is still records
a second, and each record's latency counts from its request's sending. After a stage's CPU window closes, it waits
for the dispatcher to send the stage's deliveries (``_sending``: how many were still unsent when its last message
was made, and how long after it the last one went out), so the next stage starts with none left over.

With ``--hiccup WHO:SECONDS`` each stage has a slow moment on purpose: ``HICCUP_AT_S`` into it, WHO (``registry``,
``postgres``, any process ``stack.processes()`` names) is stopped (SIGSTOP) for SECONDS and resumed — what a
host's noisy neighbour, a page-out or a checkpoint does now and then. The writes keep coming (open loop), so the
stage shows whether the chain catches up afterwards or stays behind (issue 18: at 500/s both happened, the same
code, session 20). Each stage also says how it went over time: ``cpu_cores_by_half_s``, each process's CPU (in
cores) every half second of the stage, and the load generator's ``answered_by_half_s``, ``connections_opened`` and
``in_flight_max``.

    python -m bench.event_latency [--seconds 8] [--rates 20,50,100,200] [--backlog 2000] [--batch 1]
                                  [--hiccup registry:0.5]
"""

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from asyncio.subprocess import PIPE
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from backstop_common.db import plain_url
from backstop_common.demo.county import areas
from backstop_common.demo.households import household_csv
from backstop_common.devstack import run_stack
from backstop_common.seed import directory

from bench.common import (cpu_ms_per, cpu_seconds, machine, percentile, profiled, pss_mb, rss_mb,
                          wait_until_quiet)

ADMIN = ("county_admin", "211204000000")
#: when a stage's hiccup (``--hiccup``) stops its process: once the stream is flowing, with most of it to come
HICCUP_AT_S = 2.0
SAMPLE_EVERY_S = 0.5
#: the services ``--profile`` samples (``--profile-services``): py-spy's own CPU on the two cores tips 500/s into
#: falling behind, less so with one service sampled
PROFILED = ("registry", "monitoring", "funds", "notifications")


def _postmaster(stack):
    """The PostgreSQL server of this stack (its backends are its children)."""
    import psutil

    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(stack.data_dir) in " ".join(proc.info["cmdline"] or []):
            return proc  # the postmaster names its data folder; its backends do not (``cpu_seconds``)
    raise LookupError("no postmaster for the stack's data folder")


def _stopped(stack, who: str) -> list:
    """The processes a hiccup stops: a service or the broker by name; ``postgres``, the server and its backends."""
    if who != "postgres":
        return [stack.processes()[who]]
    postmaster = _postmaster(stack)
    return [postmaster, *postmaster.children()]


def _cpu_now(processes: dict, postmaster) -> dict[str, float]:
    """``cpu_seconds`` for a timeline: the processes and the postmaster found once (``cpu_seconds`` looks through
    every process of the machine each time, ~10 % of a core twice a second)."""
    import psutil

    used = {}
    for name, proc in processes.items():
        with contextlib.suppress(psutil.Error):
            used[name] = sum(proc.cpu_times()[:2])
    pg = 0.0
    with contextlib.suppress(psutil.Error):
        times = postmaster.cpu_times()
        pg = times.user + times.system + times.children_user + times.children_system  # exited backends too
        for backend in postmaster.children():
            with contextlib.suppress(psutil.Error):
                pg += sum(backend.cpu_times()[:2])
    used["postgres"] = pg
    return used


async def _hiccup(stack, who: str, seconds: float) -> None:
    """``who`` stopped for ``seconds``, ``HICCUP_AT_S`` into the stage (``--hiccup``)."""
    await asyncio.sleep(HICCUP_AT_S)
    stopped = _stopped(stack, who)
    for proc in stopped:
        proc.suspend()
    try:
        await asyncio.sleep(seconds)
    finally:
        for proc in stopped:
            proc.resume()


async def load_from_another_process(url: str, headers: dict[str, str], households: list[str], rate: float,
                                    batch: int = 1) -> dict:
    """``bench.load_http`` in its own process (stdlib only: its start-up is not in its figures): when each write
    was sent, the errors, the rate it kept and the CPU it spent doing so."""
    child = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.load_http", stdin=PIPE, stdout=PIPE,
                                                 cwd=Path(__file__).parent.parent)
    out, _ = await child.communicate(json.dumps({"url": url, "headers": headers, "households": households,
                                                 "rate": rate, "batch": batch}).encode())
    if child.returncode:
        raise RuntimeError(f"bench.load_http exited with {child.returncode}")
    return json.loads(out)


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


async def _stage(stack, households: list[str], rate: int, profile: str | None = None, batch: int = 1,
                 hiccup: tuple[str, float] | None = None) -> dict:
    """One rate. The CPU per write is counted from the stage's start to its last message; over that window the
    stack also pays its fixed costs a second (fetches, timers: ``_idle`` at rest), so a stage that runs long on a
    loaded machine looks dearer a write — ``window_s`` and ``stack_cpu_ms_per_s`` say how much of it that is."""
    processes = stack.processes()
    peak: dict[str, float] = {}
    cores: dict[str, list[float]] = {}

    postmaster = _postmaster(stack)

    async def sample() -> None:
        last = _cpu_now(processes, postmaster)
        while True:
            await asyncio.sleep(SAMPLE_EVERY_S)
            for name, mb in rss_mb(processes).items():
                peak[name] = max(peak.get(name, 0), mb)
            now = _cpu_now(processes, postmaster)
            for name, used in now.items():
                cores.setdefault(name, []).append(round((used - last.get(name, used)) / SAMPLE_EVERY_S, 2))
            last = now

    sampler = asyncio.create_task(sample())
    slow_moment = asyncio.create_task(_hiccup(stack, *hiccup)) if hiccup else None
    cpu_before, began, since, began_at = cpu_seconds(stack), time.monotonic(), datetime.now(UTC), time.time()
    with profiled(stack, profile, f"rate{rate}", PROFILED):
        load = await load_from_another_process(stack.url("registry"), stack.headers(*ADMIN), households, rate, batch)
        case_ms, message_ms = await _latencies(stack, load["sent"])
        hops = await _hops(stack, load["sent"])
    # until the last message: the whole chain; "load client" is this process (reading the results back)
    cpu_after, window = cpu_seconds(stack), time.monotonic() - began
    cpu = cpu_ms_per(cpu_before, cpu_after, len(households))
    cpu["load generator"] = round(load["cpu_s"] * 1000 / len(households), 2)
    sampler.cancel()
    if slow_moment:
        await slow_moment
    stack_ms = _stack_total(cpu)
    deliveries = await _sending(stack, since)
    return {"rate": rate, "batch": batch, "sent_rate": load["sent_rate"], "answered_rate": load["answered_rate"], "writes": len(households), "errors": load["errors"],
            "error_kinds": load.get("error_kinds", {}), "error_samples": load.get("error_samples", []), "hops_ms": hops,
            "case_ms": _pcts(case_ms), "message_ms": _pcts(message_ms), "peak_rss_mb": peak,
            "cases_found": len(case_ms), "messages_found": len(message_ms), "deliveries": deliveries,
            "cpu_ms_per_write": cpu, "stack_cpu_ms_per_write": stack_ms, "window_s": round(window, 1),
            "stack_cpu_ms_per_s": round(stack_ms * len(households) / window, 1), "load_average": [round(x, 2) for x in os.getloadavg()],
            "began_at": round(began_at, 2), "hiccup": {"who": hiccup[0], "s": hiccup[1], "at_s": HICCUP_AT_S} if hiccup else None,
            "connections_opened": load["connections_opened"], "in_flight_max": load["in_flight_max"],
            "answered_by_half_s": load["answered_by_half_s"], "cpu_cores_by_half_s": cores}


#: the stage's deliveries due by its last message (not those held for a digest or past quiet hours): how many, how many
#: are unsent, how many were not yet sent when that message was made, and when the last one was sent
STAGE_DELIVERIES = """
WITH stage AS (SELECT max(created_at) AS last_message FROM messages WHERE created_at >= $1)
SELECT count(*) AS made, count(*) FILTER (WHERE d.status = 'pending') AS unsent,
       count(*) FILTER (WHERE d.sent_at IS NULL OR d.sent_at > s.last_message) AS unsent_at_last_message,
       max(d.sent_at) - s.last_message AS last_sent_after
  FROM deliveries d, stage s
 WHERE d.created_at >= $1 AND d.status <> 'held' AND d.next_attempt_at <= s.last_message GROUP BY s.last_message
"""


async def _sending(stack, since: datetime, timeout: float = 180) -> dict | None:
    """The dispatcher's part in a stage (``STAGE_DELIVERIES``), once it sent them all (or ``timeout`` passed:
    ``last_sent_after_s`` is then None): it sends in the background, after the messages the latencies stop at."""
    note = await asyncpg.connect(plain_url(stack.database_url("notifications")))
    deadline = time.monotonic() + timeout
    try:
        while (row := await note.fetchrow(STAGE_DELIVERIES, since)) and row["unsent"] and time.monotonic() < deadline:
            await asyncio.sleep(1)
    finally:
        await note.close()
    if row is None:
        return None
    after = row["last_sent_after"]
    return {"made": row["made"], "unsent_at_last_message": row["unsent_at_last_message"],
            "last_sent_after_s": None if row["unsent"] or after is None else round(after.total_seconds(), 2)}


def _stack_total(cpu: dict[str, float]) -> float:
    """The services', the broker's and PostgreSQL's CPU together (not the load generator's nor this process's)."""
    return round(sum(v for name, v in cpu.items() if name not in ("load client", "load generator")), 2)


async def _idle(stack, seconds: float) -> dict:
    """CPU each process spends a second with nothing to do: empty fetches, relay and watch timers."""
    before = cpu_seconds(stack)
    await asyncio.sleep(seconds)
    after = cpu_seconds(stack)
    per_s = {name: round((after[name] - before.get(name, 0.0)) * 1000 / seconds, 1) for name in after}
    return {"idle_cpu_ms_per_s": per_s, "stack_idle_cpu_ms_per_s": _stack_total(per_s),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def _pcts(values: list[float]) -> dict:
    return {f"p{p}": round(percentile(values, p), 1) for p in (50, 95, 99)}


#: the polls join the asked keys as a set (a hash join): ``= ANY(<array>)`` on ``messages.event_subject``, which
#: has no index, compared every row with every key — at 20,000 keys a poll cost PostgreSQL ~4 s, most of the
#: "PostgreSQL CPU s" the bulk batches reported (session 8, bench/RESULTS.md)
CASES_OF = ("SELECT c.id, c.household_id, c.opened_at FROM cases c "
            "JOIN unnest($1::uuid[]) AS k(household_id) ON c.household_id = k.household_id")
FIRST_MESSAGES_OF = ("SELECT m.event_subject, min(m.created_at) AS at FROM messages m "
                     "JOIN unnest($1::text[]) AS k(subject) ON m.event_subject = k.subject GROUP BY m.event_subject")


async def _latencies(stack, sent: dict[str, float], timeout: float = 60) -> tuple[list[float], list[float]]:
    ids = list(sent)
    mon = await asyncpg.connect(plain_url(stack.database_url("monitoring")))
    note = await asyncpg.connect(plain_url(stack.database_url("notifications")))
    deadline = time.monotonic() + timeout
    try:
        while True:
            cases = await mon.fetch(CASES_OF, ids)
            subjects = [str(c["id"]) for c in cases] + ids
            messages = await note.fetch(FIRST_MESSAGES_OF, subjects)
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


#: each write's event: when the registry's transaction began (the outbox row's ``created_at``, ``now()``), when the
#: broker had acked it (``sent_at``, taken by the relay before it marks the round), when monitoring's transaction
#: applying it began (its inbox row's ``applied_at``) and when its handler opened the case (``opened_at``, the
#: handler's clock at its start: monitoring's statements after it are not in the case's latency)
OUTBOX_OF = ("SELECT o.id, o.subject, o.created_at, o.sent_at FROM outbox o "
             "JOIN unnest($1::text[]) AS k(subject) ON o.subject = k.subject WHERE o.type LIKE '%income_assessed%'")
INBOX_OF = "SELECT i.event_id, i.applied_at FROM inbox i JOIN unnest($1::uuid[]) AS k(id) ON i.event_id = k.id"


async def _hops(stack, sent: dict[str, float]) -> dict:
    """Where a write's way to its case goes, the p50 and p99 of each part (ms): the write's request until the
    registry's transaction began (``to_registry``), until the broker acked the event (``to_broker``: the commit,
    the relay's wake and round gap, its statements, the produce), until monitoring's transaction began
    (``to_monitoring``: the fetch's wait, the consumer's loop), until the handler opened the case (``to_handler``)."""
    reg = await asyncpg.connect(plain_url(stack.database_url("registry")))
    mon = await asyncpg.connect(plain_url(stack.database_url("monitoring")))
    try:
        events = {r["id"]: r for r in await reg.fetch(OUTBOX_OF, list(sent))}
        applied = {r["event_id"]: r["applied_at"] for r in await mon.fetch(INBOX_OF, list(events))}
        opened = {str(r["household_id"]): r["opened_at"] for r in await mon.fetch(CASES_OF, list(sent))}
    finally:
        await reg.close()
        await mon.close()
    parts: dict[str, list[float]] = {"to_registry": [], "to_broker": [], "to_monitoring": [], "to_handler": []}
    for event_id, row in events.items():
        at, case = applied.get(event_id), opened.get(row["subject"])
        if row["sent_at"] is None or at is None or case is None:
            continue
        parts["to_registry"].append((row["created_at"].timestamp() - sent[row["subject"]]) * 1000)
        parts["to_broker"].append((row["sent_at"] - row["created_at"]).total_seconds() * 1000)
        parts["to_monitoring"].append((at - row["sent_at"]).total_seconds() * 1000)
        parts["to_handler"].append((case - at).total_seconds() * 1000)
    return {name: _pcts(values) if values else None for name, values in parts.items()}


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
    with profiled(stack, profile, "backlog", PROFILED):
        case_ms, message_ms = await _latencies(stack, {h: resumed for h in sent}, timeout=300)
    # per write that came through the whole chain (a digest cut short by the timeout did only those)
    cpu = cpu_ms_per(cpu_before, cpu_seconds(stack), len(message_ms))
    case_s, message_s = max(case_ms, default=0) / 1000, max(message_ms, default=0) / 1000
    return {"backlog": len(sent), "cases_found": len(case_ms), "messages_found": len(message_ms),
            "all_cases_s": round(case_s, 2), "all_messages_s": round(message_s, 2),
            "writes_per_s_digested": round(len(sent) / message_s, 1) if message_s else None,
            "cpu_ms_per_write": cpu, "load_average": [round(x, 2) for x in os.getloadavg()]}


async def main(seconds: float, rates: list[int], backlog: int = 0, profile: str | None = None,
               keep_going: bool = False, idle_seconds: float = 10, env: dict[str, str] | None = None,
               batch: int = 1, hiccup: tuple[str, float] | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        stack = run_stack(Path(tmp), extra_env={"LOG_LEVEL": "WARNING", **(env or {})})
        try:
            needed = int(sum(rates) * seconds * 1.1) + 500 + backlog
            free = await _prepare(stack, needed)
            await asyncio.sleep(5)
            rest, rest_pss = rss_mb(stack.processes()), pss_mb(stack.processes())
            print(f"memory at rest (MB): {rest}; PSS {rest_pss}", flush=True)
            stages = []
            if idle_seconds:
                result = await _idle(stack, idle_seconds)
                print(json.dumps(result, ensure_ascii=False), flush=True)
                stages.append(result)
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
                    result = await _stage(stack, free[offset:offset + count], rate, profile, batch, hiccup)
                    offset += count
                    print(json.dumps(result, ensure_ascii=False), flush=True)
                    stages.append(result)
                    await wait_until_quiet(stack)
                    if result["message_ms"]["p99"] > 1000 and not keep_going:
                        break
            await asyncio.sleep(5)  # the consumers idle: a burst's memory is given back once they are (consumer.py)
            after, after_pss = rss_mb(stack.processes()), pss_mb(stack.processes())
            print(f"memory at rest after the runs (MB): {after}; PSS {after_pss}", flush=True)
            return {"machine": machine(), "rss_at_rest_mb": rest, "rss_at_rest_after_runs_mb": after,
                    "pss_at_rest_mb": rest_pss, "pss_at_rest_after_runs_mb": after_pss, "stages": stages}
        finally:
            stack.stop()


def _hiccup_arg(value: str | None) -> tuple[str, float] | None:
    if not value:
        return None
    who, _, seconds = value.partition(":")
    return who, float(seconds or 0.5)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rates", default="20,50,100,200", help="'' for none")
    parser.add_argument("--backlog", type=int, default=0,
                        help="first digest this many writes queued while the consumers were stopped")
    parser.add_argument("--profile", help="a folder: py-spy samples each service during each stage (pip install py-spy)")
    parser.add_argument("--profile-services", default=",".join(PROFILED), help="which services --profile samples")
    parser.add_argument("--keep-going", action="store_true", help="every rate, even past the one whose p99 > 1 s")
    parser.add_argument("--idle-seconds", type=float, default=10, help="the stack's CPU at rest over this long (0: not)")
    parser.add_argument("--batch", type=int, default=1,
                        help="records a request: >1 sends the rate's records through the batch route (a phone's sync)")
    parser.add_argument("--hiccup", metavar="WHO:SECONDS",
                        help=f"stop WHO (registry, postgres, ...) for SECONDS, {HICCUP_AT_S:g} s into each stage")
    parser.add_argument("--out", default="event_latency.json", help="the JSON copy's name in bench/out/")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for every service (e.g. KAFKA_FETCH_MAX_WAIT_MS=500), to compare kernel settings")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    PROFILED = tuple(args.profile_services.split(","))
    report = asyncio.run(main(args.seconds, [int(r) for r in args.rates.split(",") if r], args.backlog, args.profile,
                              args.keep_going, args.idle_seconds, dict(e.split("=", 1) for e in args.env), args.batch,
                              _hiccup_arg(args.hiccup)))
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False))
