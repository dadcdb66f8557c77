"""Benchmark: re-screen 200,000 households after a line change (target ≤ 5 s).

The county's monitoring line for 2021 is raised twice through ``PUT /api/v1/policies/2021/211204000000``;
each PUT re-screens every household of the county set-based, one statement a table (signals, cases, history,
outbox rows), no row built in Python (``domain/rescreen.py``). ``bench/province.py`` does the same for ten counties. Timed: the whole HTTP request, commit included. Run: ``.venv/bin/python bench/monitoring_rescreen.py``.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m
from bench.monitoring_setup import HOUSEHOLDS, bench_app, load, machine, postgres_cpu, put_line, run


async def main() -> None:
    async with bench_app() as (client, headers, _url, pg_version):
        print(f"machine: {machine()}, PostgreSQL {pg_version}, {load()}")
        print(f"households in the read model: {HOUSEHOLDS:,} (200 villages, 10 townships)")
        for label, line in (("first screen, line 6000 (~17% below)", "6000.00"),
                            ("line raised 6000 -> 7000 (~8% newly below)", "7000.00"),
                            ("same line again (nothing new)", "7000.00")):
            started, cpu, pg = time.perf_counter(), time.process_time(), postgres_cpu()
            result = await put_line(client, headers, line)
            elapsed, cpu, pg = time.perf_counter() - started, time.process_time() - cpu, postgres_cpu() - pg
            # CPU of the service (this process runs the app) and of PostgreSQL: on a loaded machine they hold
            # where the wall time does not
            print(f"{label}: {elapsed:.2f} s (CPU: service {cpu:.2f} s, PostgreSQL {pg:.2f} s)  below={result['households_below_line']:,} "
                  f"signals={result['signals_opened']:,} cases={result['cases_opened']:,} "
                  f"joined={result['cases_joined']:,} cluster_alerts={result['cluster_alerts']}")


if __name__ == "__main__":
    run(main)
