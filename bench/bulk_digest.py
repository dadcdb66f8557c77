"""Benchmark: a county's bulk import digested downstream (issue 18: the 100,000-household import digested by
monitoring, funds and notifications within 60 s of the import's answer; #15's 200,000-household console run).

    XDG_RUNTIME_DIR=/tmp/rt .venv/bin/python -m bench.bulk_digest [--households 100000] [--base 2000] [--profile DIR]

Set-up (not timed): ``backstop up`` on free ports and the demo county's reference data with ``--base`` households
(``backstop_common.seed.seed_demo``), digested. Timed: ONE ``POST /api/v1/imports/households`` of ``--households``
more demo households (CSV) — its answer — and then until every service has digested it: monitoring counts as
many households as the registry, the registry's outbox is sent and the consumers' inboxes stopped growing
(``console_pages.wait_until_digested``, polled every second). Printed: the import's answer time, the digest
time after it, and the CPU seconds each process spent from the request to the end (on a loaded machine the
CPU figures hold where the wall times do not), and each process's RSS 5 s after the digest (the consumers idle: a
burst's memory is given back then, consumer.py). ``--profile DIR``: py-spy samples funds and notifications from the
request to the end (``DIR/digest-<service>.txt``, collapsed stacks; ``python -m bench.profile_summary`` reads them).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m
from backstop_common.demo.county import COUNTY_CODE  # noqa: E402
from backstop_common.demo.households import household_csv  # noqa: E402
from backstop_common.devstack import run_stack  # noqa: E402
from backstop_common.seed import seed_demo  # noqa: E402
from bench.common import machine, profiled, rss_mb, tree_cpu_s  # noqa: E402
from bench.console_pages import registered_households, wait_until_digested  # noqa: E402


def cpu_seconds(stack) -> dict[str, float]:
    """CPU so far of each process of the stack (with its children: PostgreSQL's backends, the import worker)."""
    return {name: tree_cpu_s(proc) for name, proc in stack.processes().items()}


def main(households: int, base: int, profile: str | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        stack = run_stack(Path(tmp), extra_env={"LOG_LEVEL": "WARNING"}, timeout=900)
        try:
            seed_demo(json.loads((stack.data_dir / "stack.json").read_text()), households=base)
            wait_until_digested(stack, every=2.0)
            before = registered_households(stack)
            body = household_csv(households, seed=2020 + base, first=base)
            admin = stack.headers("county_admin", COUNTY_CODE)
            cpu0, load0 = cpu_seconds(stack), os.getloadavg()[0]
            with profiled(stack, profile, "digest", names=("funds", "notifications")):
                started = time.monotonic()
                resp = httpx.post(f"{stack.url('registry')}/api/v1/imports/households",
                                  params={"filename": "bulk.csv"}, content=body,
                                  headers={**admin, "content-type": "text/csv"}, timeout=1800)
                answered = time.monotonic() - started
                resp.raise_for_status()
                digested = wait_until_digested(stack, every=1.0, timeout=7200)
                cpu1 = cpu_seconds(stack)
            imported = registered_households(stack) - before
            time.sleep(5)
            rss_after = rss_mb(stack.processes())
        finally:
            stack.stop()
    report = {"machine": machine(), "households": imported, "import_answer_s": round(answered, 1),
              "digested_after_answer_s": round(digested, 1),
              "cpu_s": {name: round(cpu1[name] - cpu0.get(name, 0.0), 1) for name in cpu1},
              "rss_mb_after": rss_after,
              "load_average_1min": {"before": round(load0, 2), "after": round(os.getloadavg()[0], 2)}}
    print(report["machine"])
    print(f"import of {imported:,} households: answered in {answered:.1f} s; digested downstream (monitoring, funds, "
          f"notifications) {digested:.1f} s after the answer (target: 100,000 within 60 s, the import ≤ 20 s)")
    print(f"CPU seconds from the request to the end: {report['cpu_s']}; load average {report['load_average_1min']}")
    print(f"RSS 5 s after the digest (MB): {rss_after}")
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=2000, help="demo households loaded before (not timed)")
    parser.add_argument("--profile", help="a folder: py-spy samples funds and notifications while they digest")
    args = parser.parse_args()
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/backstop-runtime")
    os.makedirs(os.environ["XDG_RUNTIME_DIR"], exist_ok=True)
    main(args.households, args.base, args.profile)
