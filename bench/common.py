"""What every benchmark shares: the machine it ran on, a load generator, percentiles, memory."""

import asyncio
import contextlib
import json
import os
import platform
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

import psutil


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = psutil.virtual_memory().total / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def speed_reference(rounds: int = 3) -> float:
    """CPU seconds of one fixed piece of pure-Python work, the median of ``rounds`` (lower is faster).

    Machines of the same kind differ widely from one day to another (bench/RESULTS.md: the same import's worker
    took 15.5, 19.0 and 27.2 CPU s on three of them), so every figure of a run is read beside this one: the work
    is what the services do most — dicts, strings, JSON, Decimal.
    """
    def work() -> float:
        started = time.process_time()
        total = Decimal(0)
        for i in range(150_000):
            row = {"id": f"{i:08d}", "name": "王" * (i % 3 + 1), "amount": str(i % 997), "tags": [i % 7, i % 11]}
            row = json.loads(json.dumps(row, ensure_ascii=False))
            total += Decimal(row["amount"]).quantize(Decimal("0.01"))
            "".join(sorted(row["id"] + row["name"]))
        return time.process_time() - started

    return sorted(work() for _ in range(rounds))[rounds // 2]


def stolen_share(before, after) -> float:
    """The share of the machine's CPU time the host gave to others between two ``psutil.cpu_times()`` (a virtual
    machine's steal): on a shared host it rose to a quarter and more within a session, and every figure with it
    (bench/RESULTS.md, session 17), so each bench's is printed beside its figures."""
    # a guest's time is counted in user time already
    spent = sum(getattr(after, f) - getattr(before, f) for f in after._fields if not f.startswith("guest"))
    return (after.steal - before.steal) / spent if spent > 0 else 0.0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(values_ms: list[float]) -> str:
    return (f"n={len(values_ms)} p50={percentile(values_ms, 50):.1f} ms p95={percentile(values_ms, 95):.1f} ms "
            f"p99={percentile(values_ms, 99):.1f} ms max={max(values_ms, default=float('nan')):.1f} ms")


@dataclass
class Throughput:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def closed_loop(call: Callable[[int], Awaitable[bool]], *, concurrency: int, seconds: float) -> Throughput:
    """``concurrency`` workers call as fast as answers come back, for ``seconds``."""
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    errors = 0

    async def worker(w: int) -> None:
        nonlocal errors
        i = w
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            ok = await call(i)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += not ok
            i += concurrency

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return Throughput(len(latencies), errors, time.perf_counter() - started, latencies)


async def open_loop(call: Callable[[int], Awaitable[None]], *, rate: float, count: int) -> list[float]:
    """Start ``count`` calls at a steady ``rate`` per second, whatever the answers; returns start times."""
    starts: list[float] = []
    tasks = []
    begin = time.perf_counter()
    for i in range(count):
        target = begin + i / rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        starts.append(time.time())
        tasks.append(asyncio.create_task(call(i)))
    await asyncio.gather(*tasks)
    return starts


def tree_cpu_s(proc: psutil.Process) -> float:
    """CPU time (user + system) so far of a process and its living descendants (PostgreSQL's backends, the
    registry's import worker)."""
    total = 0.0
    for one in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            times = one.cpu_times()
            total += times.user + times.system
    return total


def cpu_seconds(stack) -> dict[str, float]:
    """CPU time (user + system) used so far by each service, the broker, every PostgreSQL process together and
    this (the load client's) process. On a shared machine wall times mislead; CPU per event carries over."""
    import psutil

    used: dict[str, float] = {}
    for name, proc in stack.processes().items():
        with contextlib.suppress(psutil.Error):
            used[name] = sum(proc.cpu_times()[:2])
    pg = 0.0
    for proc in psutil.process_iter(["name", "cmdline"]):  # the postmaster names its data folder; its backends not
        with contextlib.suppress(psutil.Error, TypeError):
            if proc.info["name"] == "postgres" and str(stack.data_dir) in " ".join(proc.info["cmdline"] or []):
                for one in [proc, *proc.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        times = one.cpu_times()  # the exited backends' time is in children_*
                        pg += times.user + times.system + (times.children_user + times.children_system) * (one is proc)
    used["postgres"] = pg
    used["load client"] = sum(psutil.Process().cpu_times()[:2])
    return used


def cpu_ms_per(before: dict[str, float], after: dict[str, float], events: int) -> dict[str, float]:
    """Milliseconds of CPU per event, per process, between two ``cpu_seconds`` readings."""
    return {name: round((after[name] - before.get(name, 0.0)) * 1000 / max(events, 1), 2) for name in after}


@contextlib.contextmanager
def profiled(stack, folder, label: str, names=("registry", "monitoring", "funds", "notifications")):
    """py-spy (if installed next to this Python) samples each service while the block runs, into
    ``folder/<label>-<service>.txt`` as collapsed stacks (one line per stack, its sample count last)."""
    import shutil
    import signal
    import subprocess
    import sys
    from pathlib import Path

    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) if folder else None
    spies = []
    if spy:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for name, proc in stack.processes().items():
            if name in names:
                spies.append(subprocess.Popen(
                    [spy, "record", "--pid", str(proc.pid), "--format", "raw", "--rate", "100", "--nonblocking",
                     "--output", str(Path(folder) / f"{label}-{name}.txt")],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        yield
    finally:
        for one in spies:
            one.send_signal(signal.SIGINT)
        for one in spies:
            one.wait(timeout=60)


def rss_mb(processes: dict[str, psutil.Process]) -> dict[str, float]:
    return {name: round(p.memory_info().rss / 2**20, 1) for name, p in processes.items()}


def pss_mb(processes: dict[str, psutil.Process]) -> dict[str, float]:
    """``rss_mb``'s proportional share (PSS): a page the services share (the interpreter's and the libraries' code)
    counted once across them, split between its sharers — what the stack's memory adds up to. Reads each process's
    smaps: for a reading at rest, not a timeline."""
    found = {}
    for name, proc in processes.items():
        with contextlib.suppress(psutil.Error, AttributeError):
            found[name] = round(proc.memory_full_info().pss / 2**20, 1)
    return found


async def wait_until_quiet(stack, services=("monitoring", "funds", "notifications"), every: float = 3.0) -> None:
    """Wait until the consumers have drained what the preparation set off (inbox counts stop moving)."""
    import asyncpg

    from backstop_common.db import plain_url

    last = -1
    while True:
        total = 0
        for service in services:
            conn = await asyncpg.connect(plain_url(stack.database_url(service)))
            total += await conn.fetchval("SELECT count(*) FROM inbox")
            await conn.close()
        if total == last:
            return
        last = total
        await asyncio.sleep(every)
