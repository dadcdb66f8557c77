"""`make bench`: every benchmark, one after another, each printing its figures and the machine.

The figures are recorded by hand in bench/RESULTS.md next to the targets (JSON copies land in bench/out/).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script (make bench)
import psutil

from bench.common import speed_reference, stolen_share

BENCHES = [
    ["bench/registry_import.py"],
    ["-m", "bench.registry_export"],
    ["bench/monitoring_rescreen.py"],
    ["bench/monitoring_dashboard.py"],
    ["bench/province.py"],
    ["-m", "bench.api_throughput"],
    ["-m", "bench.registry_http", "--households", "20000", "--rounds", "3"],
    ["-m", "bench.event_latency", "--backlog", "2000"],
    # issue 18's "at 200 changes/s p50 ≤ 30 ms" on a stack of its own as well: the ladder's 200/s stage comes after
    # ~3,400 writes, and the one-machine broker (Tansu's memory storage) lists every batch a partition holds on each
    # fetch that has records, so its CPU a write grows with what the stack wrote before (docs/scaling.md; session 19:
    # 1.26 → 2.56 ms a write over four 200/s stages in a row on one stack, write → case p50 29.3 → 42.8 ms)
    ["-m", "bench.event_latency", "--rates", "200", "--backlog", "0", "--idle-seconds", "0",
     "--out", "event_latency_200.json"],
    # issue 18's "≥ 500 changes/s": written one by one, and as a phone's sync of ten (the batch route)
    ["-m", "bench.event_latency", "--rates", "300,500", "--backlog", "0", "--idle-seconds", "0",
     "--out", "event_latency_fast.json"],
    ["-m", "bench.event_latency", "--rates", "500,1000", "--batch", "10", "--backlog", "0", "--idle-seconds", "0",
     "--keep-going", "--out", "event_latency_batch10.json"],
    ["bench/bulk_digest.py", "--households", "100000"],
    ["-m", "bench.bulk_batch"],
    ["-m", "bench.relay"],
    ["-m", "bench.console_pages"],
]


def main() -> int:
    # the benches start services with the development secret and mint tokens with it: a one-machine dev run
    # (BACKSTOP_ENV=dev, as README's `make run`); without it monitoring refuses to start and the token minting
    # fails (three benches exited 1 in session 7's first run)
    env = {**os.environ, "BACKSTOP_ENV": os.environ.get("BACKSTOP_ENV", "dev")}
    failed, begun = 0, psutil.cpu_times()
    print(f"speed reference at the start: {speed_reference():.2f} CPU s (bench.common.speed_reference)", flush=True)
    for args in BENCHES:
        print(f"\n=== {' '.join(args)}", flush=True)
        started, times = time.monotonic(), psutil.cpu_times()
        result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env)
        print(f"=== {' '.join(args)}: exit {result.returncode} after {time.monotonic() - started:.0f} s; "
              f"the host took {stolen_share(times, psutil.cpu_times()):.0%} of the CPU meanwhile (steal)", flush=True)
        failed += result.returncode != 0
    # the machine may change speed during the run, as the same kind of machine does from one day to another
    print(f"speed reference at the end: {speed_reference():.2f} CPU s; the host took "
          f"{stolen_share(begun, psutil.cpu_times()):.0%} of the CPU over the whole run (steal)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
