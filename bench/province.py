"""Benchmark: a province on one cluster (issue 18) — 10 counties × 200,000 households in monitoring's database.

    BACKSTOP_ENV=dev .venv/bin/python bench/province.py [--per-county 200000] [--counties 10] [--skip-import]
                                                        [--parallelism 2] [--vacuum]

Targets: the province-wide re-screen after a line change ≤ 20 s; the dashboard p95 ≤ 200 ms for one county
and for the province; a county's import unaffected by another county's.

1. Its own embedded PostgreSQL with monitoring's migrations; the households of 10 counties (each generated as
   ``bench/monitoring_setup.py`` generates the demo county: 10 townships × 20 villages, incomes 4,000–16,000)
   written by one ``INSERT … SELECT generate_series`` a county — no Python per row.
2. The province's 2021 line (the row ``210000000000``, which every county inherits) is set through
   ``PUT /api/v1/policies/2021/210000000000`` by the system: first at 6,000 (the first screen of 2,000,000
   households), then raised to 7,000 (the re-screen the target is about), then 7,000 again. Each PUT is one
   request: the row committed, then each county re-screened in a transaction of its own, ``--parallelism`` at
   once (monitoring's ``rescreen_parallelism``); printed with this process's (the service's) CPU and
   PostgreSQL's.
3. The cases spread over every stage (as ``bench/monitoring_dashboard.py``), then ``GET /api/v1/stats`` for one
   county and for the province, 200 times each, and the overdue list.
4. Registry: county A's import (``bench/registry_import.py``'s file, ``--import-households`` households)
   alone, then again while county B imports into the same registry database (each import in its own process,
   as two requests to two registry replicas would run).
"""

import argparse
import asyncio
import csv
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from stdnum.cn import ric

from backstop_common import devstack
from backstop_common.auth import mint_token
from backstop_common.db import plain_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m
from bench.common import summary, tree_cpu_s  # noqa: E402
from bench.monitoring_dashboard import SPREAD, timed  # noqa: E402
from bench.monitoring_setup import load, machine, run  # noqa: E402

PROVINCE = "210000000000"
#: ten county codes of province 21 other than the demo county (whose own 2021 row would shadow the province's)
COUNTIES = [f"2112{21 + k:02d}" for k in range(10)]
TOWNSHIPS, VILLAGES_PER_TOWNSHIP = 10, 20

FILL = """
INSERT INTO household_facts (household_id, village_code, poverty_status, dibao, tekun, size,
    labour_capable_members, per_capita_income, income_year, housing_grade, safe_water, dropout_members,
    uninsured_members, major_illness_members, disabled_members, tags, helper_user_ids, updated_at)
SELECT gen_random_uuid(),
       $4 || lpad((1 + (i % $2))::text, 3, '0') || lpad((1 + (i / $2) % $3)::text, 3, '0'),
       CASE WHEN i % 3 = 0 THEN 'never_poor' ELSE 'lifted' END, false, false, 1 + i % 5, 1 + i % 3,
       round((4000 + random() * 12000)::numeric, 2), 2021, 'A', true, 0, 0, 0, 0, '[]', '[]', now()
  FROM generate_series(0, $1 - 1) AS i
"""


class Postgres:
    """The bench's PostgreSQL: its CPU so far (server and backends)."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir

    def cpu(self) -> float:
        return tree_cpu_s(devstack.running_postmaster(self.data_dir))


async def fill(url: str, counties: list[str], per_county: int) -> None:
    conn = await asyncpg.connect(plain_url(url))
    try:
        for county in counties:
            started = time.perf_counter()
            await conn.execute(FILL, per_county, TOWNSHIPS, VILLAGES_PER_TOWNSHIP, county)
            print(f"  county {county}: {per_county:,} households in {time.perf_counter() - started:.1f} s", flush=True)
        await conn.execute("VACUUM ANALYZE household_facts")
    finally:
        await conn.close()


async def put_line(client: httpx.AsyncClient, headers: dict, area: str, line: str) -> dict:
    path = f"/api/v1/policies/2021/{area}"
    current = (await client.get(path, headers=headers)).json()
    values = {k: v for k, v in current.items() if k not in ("year", "area_code", "version", "updated_by",
                                                            "updated_at")}
    resp = await client.put(path, json={**values, "income_line": line}, headers=headers)
    resp.raise_for_status()
    return resp.json()["rescreen"]


async def rescreens(client: httpx.AsyncClient, headers: dict, county_headers: dict, county: str,
                    pg: Postgres, vacuum_url: str | None = None) -> None:
    """The province's line set three times, then one county's own line (its households only: with
    ``--counties 1`` the same county alone in the tables, to tell what the other nine's rows cost it).
    ``vacuum_url``: after each, ``VACUUM ANALYZE`` timed apart — what autovacuum does after a re-screen's
    hundreds of thousands of rows, which otherwise runs into the next line's figures (and leaves the next
    statement's index-only probes to visit the heap)."""
    for label, line, area, who in (
            ("first screen, province line 6000 (~17% below)", "6000.00", PROVINCE, headers),
            ("province line raised 6000 -> 7000 (~8% newly below)", "7000.00", PROVINCE, headers),
            ("same line again (nothing new)", "7000.00", PROVINCE, headers),
            (f"county {county}'s own line 7500 (~4% newly below)", "7500.00", county + "000000", county_headers)):
        started, cpu, pg_cpu = time.perf_counter(), time.process_time(), pg.cpu()
        result = await put_line(client, who, area, line)
        elapsed, cpu, pg_cpu = time.perf_counter() - started, time.process_time() - cpu, pg.cpu() - pg_cpu
        print(f"{label}: {elapsed:.2f} s (CPU: service {cpu:.2f} s, PostgreSQL {pg_cpu:.2f} s)  "
              f"below={result['households_below_line']:,} signals={result['signals_opened']:,} "
              f"cases={result['cases_opened']:,} joined={result['cases_joined']:,} counties={result['counties']} "
              f"cluster_alerts={result['cluster_alerts']}  [{load()}]", flush=True)
        if vacuum_url:
            conn = await asyncpg.connect(plain_url(vacuum_url))
            try:
                started, pg_cpu = time.perf_counter(), pg.cpu()
                await conn.execute("VACUUM ANALYZE signals, cases, case_steps, outbox, area_counts")
                pg_cpu, elapsed = pg.cpu() - pg_cpu, time.perf_counter() - started  # before its backend exits
            finally:
                await conn.close()
            print(f"  then VACUUM ANALYZE: {elapsed:.2f} s (PostgreSQL {pg_cpu:.2f} s)", flush=True)


async def dashboards(client: httpx.AsyncClient, url: str, county_headers: dict, province_headers: dict,
                     pg: Postgres) -> None:
    conn = await asyncpg.connect(plain_url(url))
    try:
        await conn.execute(SPREAD)
        await conn.execute("VACUUM ANALYZE")
        cases = await conn.fetchval("SELECT count(*) FROM cases")
        signals = await conn.fetchval("SELECT count(*) FROM signals")
    finally:
        await conn.close()
    print(f"signals {signals:,}, cases {cases:,} (spread over the stages, some overdue)")
    county = COUNTIES[0] + "000000"
    for label, params, headers in (("county", {"area_code": county}, county_headers),
                                   ("province (10 counties)", {"area_code": PROVINCE}, province_headers)):
        cpu, pg_cpu = time.process_time(), pg.cpu()
        times = await timed(client, '/api/v1/stats', params, headers)
        asked = len(times) + 10  # and ``timed``'s warm-up
        cpu, pg_cpu = (time.process_time() - cpu) / asked * 1000, (pg.cpu() - pg_cpu) / asked * 1000
        print(f"GET /stats {label}: {summary(times)}  (CPU a request: service {cpu:.1f} ms, PostgreSQL "
              f"{pg_cpu:.1f} ms)  [{load()}]")
        print(f"GET /cases?overdue=true {label}, page of 50: "
              f"{summary(await timed(client, '/api/v1/cases', {**params, 'overdue': 'true'}, headers))}")
    await province_statements(url, pg)


async def province_statements(url: str, pg: Postgres, runs: int = 20) -> None:
    """The province's three dashboard statements (``repository/stats.per_area``) alone: PostgreSQL's CPU for
    each, which of them the province's answer waits on."""
    from monitoring.repository import stats

    now = datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    values = {"scope": "21", "digits": 6, "now": now, "today": today.date(), "today_start": today}
    conn = await asyncpg.connect(plain_url(url))
    try:
        for name in ("COUNTERS_BY", "OVERDUE_BY", "INSTANT_HELP_BY"):
            sql, names = str(getattr(stats, name)), []
            for param in re.findall(r"(?<!:):(\w+)", sql):
                if param not in names:
                    names.append(param)
                    sql = re.sub(rf"(?<!:):{param}\b", f"${len(names)}", sql)
            cpu = pg.cpu()
            for _ in range(runs):
                rows = await conn.fetch(sql, *(values[n] for n in names))
            print(f"  {name}: PostgreSQL {(pg.cpu() - cpu) / runs * 1000:.1f} ms CPU a run ({len(rows)} rows)")
    finally:
        await conn.close()


async def monitoring(args: argparse.Namespace, tmp: Path):
    counties = COUNTIES[:args.counties]
    server = devstack.start_postgres(tmp / "pg", cleanup_mode="stop")
    pg = Postgres(tmp / "pg")
    url = await devstack.create_database(server.get_uri(), "monitoring_province")
    devstack.migrate("monitoring", url)
    print(f"households: {args.per_county:,} in each of {len(counties)} counties "
          f"({args.per_county * len(counties):,}; 200 villages, 10 townships a county)")
    started = time.perf_counter()
    await fill(url, counties, args.per_county)
    print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)

    from monitoring.config import Settings
    from monitoring.main import build_app

    settings = Settings(database_url=url, consumers_enabled=False, relay_enabled=False, sweeper_enabled=False,
                        log_level="WARNING", rescreen_parallelism=args.parallelism)
    app = build_app(settings)

    def bearer(role: str, area: str) -> dict:
        return {"Authorization": f"Bearer {mint_token(settings, role=role, area=area)}"}

    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                     timeout=600) as client:
            county_admin = bearer("county_admin", counties[0] + "000000")
            await rescreens(client, bearer("system", PROVINCE), county_admin, counties[0], pg,
                            url if args.vacuum else None)
            await dashboards(client, url, county_admin, bearer("auditor", PROVINCE), pg)
    return server, pg


#: county B of the import: the demo county's file and areas with this code and another name
COUNTY_B, COUNTY_B_NAME = "211221", "铁岭县"


def county_b_rows(households: int):
    """(Registry, in its own process: registry and monitoring name some tables alike and share no process.)
    The demo county's rows (``registry_import.people``) as county B's: its name, household numbers and ID
    numbers of its own (the area digits of an ID number change, and with them its check digit)."""
    for row in registry_import.people(households):
        stem = COUNTY_B + row[8][6:17]
        yield [*row[:1], COUNTY_B_NAME, *row[2:5], "8631" + row[5][4:], "8631" + row[6][4:], row[7],
               stem + ric.calc_check_digit(stem + "0"), *row[9:]]


def county_b_areas() -> list[tuple]:
    return [(COUNTY_B + code[6:], COUNTY_B_NAME if level == "county" else name, level,
             parent and COUNTY_B + parent[6:]) for code, name, level, parent in registry_import.areas()]


def write_county_b(path: Path, households: int) -> None:
    with path.open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["已脱贫人口名单"])
        writer.writerow(registry_import.HEADERS)
        writer.writerows(county_b_rows(households))


def import_one(url: str, file: Path, county: str) -> None:
    """Child process: one county admin's import of ``file`` (a registry replica serving one request)."""
    started, cpu = time.perf_counter(), time.process_time()
    report = asyncio.run(_import_as(url, file.read_bytes(), file.name, county))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"county": county, "seconds": time.perf_counter() - started, "rows": report.rows,
                      "registered": report.households_registered,
                      "cpu": time.process_time() - cpu + children.ru_utime + children.ru_stime}), flush=True)


async def _import_as(url: str, data: bytes, name: str, county: str):
    from backstop_common.auth import Principal, Role
    from backstop_common.db import create_engine, create_session_factory
    from backstop_common.uow import UnitOfWork
    from registry.domain.imports import import_households, refresh_statistics

    engine = create_engine(url, pool_size=1)
    try:
        async with create_session_factory(engine)() as session:
            uow = UnitOfWork(session, "registry")
            report = await import_households(uow, Principal(subject="bench", role=Role.COUNTY_ADMIN,
                                                            area_code=county + "000000"), data, name, 2024)
            await uow.commit()
            await refresh_statistics(uow, report)
            await uow.commit()
            return report
    finally:
        await engine.dispose()


def imports(url: str, files: dict[str, Path]) -> list[dict]:
    """Each county's import in a process of its own, all at once; what each printed."""
    children = [subprocess.Popen([sys.executable, __file__, "--import-one", url, str(file), county],
                                 stdout=subprocess.PIPE, text=True) for county, file in files.items()]
    results = []
    for child in children:
        out, _ = child.communicate()
        if child.returncode:
            raise RuntimeError(f"import child exit {child.returncode}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


async def registry(server_uri: str, tmp: Path, n: int) -> None:
    """County A's import alone, then county A's again (into a fresh database) while county B imports."""
    file_a, file_b = tmp / "county_a.csv", tmp / "county_b.csv"
    registry_import.write_file(file_a, n, "csv")
    write_county_b(file_b, n)
    print(f"\nregistry import: {n:,} households / {3 * n:,} members a county (CSV, GBK)")
    for label, files in (("county A alone", {registry_import.areas()[0][0][:6]: file_a}),
                         ("county A while county B imports", {registry_import.areas()[0][0][:6]: file_a,
                                                              COUNTY_B: file_b})):
        url = await devstack.create_database(server_uri, "registry_province", recreate=True)
        devstack.migrate("registry", url)
        await registry_import.seed_areas(url)
        conn = await asyncpg.connect(plain_url(url))
        await conn.executemany("INSERT INTO areas (code, name, level, parent_code) VALUES ($1, $2, $3, $4)",
                               county_b_areas())
        await conn.close()
        started = time.perf_counter()
        results = imports(url, files)
        wall = time.perf_counter() - started
        each = "; ".join(f"county {r['county']}: {r['seconds']:.1f} s, {r['registered']:,} households, "
                         f"CPU {r['cpu']:.1f} s" for r in results)
        print(f"{label}: {each} (all done in {wall:.1f} s)  [{load()}]", flush=True)


async def main(args: argparse.Namespace) -> None:
    print(f"machine: {machine()}, {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        server, _pg = await monitoring(args, Path(tmp))
        if not args.skip_import:  # the registry's models in a process of their own
            subprocess.run([sys.executable, __file__, "--registry", server.get_uri(), tmp,
                            str(args.import_households)], check=True)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-county", type=int, default=200_000)
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--parallelism", type=int, default=2,
                        help="counties re-screened at once (monitoring's rescreen_parallelism)")
    parser.add_argument("--vacuum", action="store_true",
                        help="VACUUM ANALYZE after each line change, timed apart from it")
    parser.add_argument("--import-households", type=int, default=20_000)
    parser.add_argument("--import-one", nargs=3, metavar=("URL", "FILE", "COUNTY"), help=argparse.SUPPRESS)
    parser.add_argument("--registry", nargs=3, metavar=("SERVER", "TMP", "HOUSEHOLDS"), help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse()
    if arguments.registry:
        from bench import registry_import
        run(lambda: registry(arguments.registry[0], Path(arguments.registry[1]), int(arguments.registry[2])))
    elif arguments.import_one:
        from bench import registry_import
        import_one(arguments.import_one[0], Path(arguments.import_one[1]), arguments.import_one[2])
    else:
        run(lambda: main(arguments))
