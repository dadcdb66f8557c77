"""Shared set-up of the monitoring benchmarks: a scratch embedded PostgreSQL with monitoring's
migrations, 200,000 households in the example county's read model, and the app in-process (no broker:
the relay and consumer are off, so the measured time is the service's own work)."""

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path

import asyncpg
import httpx

from backstop_common import devstack
from backstop_common.auth import mint_token
from backstop_common.db import plain_url
from bench.common import machine, tree_cpu_s  # noqa: F401  (machine re-exported for the two benchmarks)

COUNTY = "211204000000"
TOWNSHIPS, VILLAGES_PER_TOWNSHIP = 10, 20
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "200000"))

FILL = """
INSERT INTO household_facts (household_id, village_code, poverty_status, dibao, tekun, size,
    labour_capable_members, per_capita_income, income_year, housing_grade, safe_water, dropout_members,
    uninsured_members, major_illness_members, disabled_members, tags, helper_user_ids, updated_at)
SELECT gen_random_uuid(),
       '211204' || lpad((1 + (i % $2))::text, 3, '0') || lpad((1 + (i / $2) % $3)::text, 3, '0'),
       CASE WHEN i % 3 = 0 THEN 'never_poor' ELSE 'lifted' END, false, false, 1 + i % 5, 1 + i % 3,
       round((4000 + random() * 12000)::numeric, 2), 2021, 'A', true, 0, 0, 0, 0, '[]', '[]', now()
  FROM generate_series(0, $1 - 1) AS i
"""


#: the data folder of the PostgreSQL the running bench started (its server's CPU is read from it)
PG_DIRS: list[Path] = []


def postgres_cpu() -> float:
    """CPU seconds so far of the bench's PostgreSQL server and its backends."""
    return tree_cpu_s(devstack.running_postmaster(PG_DIRS[-1]))


def load() -> str:
    """Other work on the machine shows in the figures: say how busy it was."""
    return "load average {:.2f} / {:.2f} / {:.2f}".format(*os.getloadavg())


@contextlib.asynccontextmanager
async def bench_app():
    """Yields (client, token headers of the county admin, database URL, PostgreSQL version)."""
    with tempfile.TemporaryDirectory() as tmp:
        server = devstack.start_postgres(Path(tmp) / "pg", cleanup_mode="stop")
        PG_DIRS.append(Path(tmp) / "pg")
        url = await devstack.create_database(server.get_uri(), "monitoring_bench")
        devstack.migrate("monitoring", url)
        conn = await asyncpg.connect(plain_url(url))
        await conn.execute(FILL, HOUSEHOLDS, TOWNSHIPS, VILLAGES_PER_TOWNSHIP)
        await conn.execute("VACUUM ANALYZE household_facts")
        pg_version = await conn.fetchval("SHOW server_version")
        await conn.close()

        from monitoring.config import Settings
        from monitoring.main import build_app

        settings = Settings(database_url=url, consumers_enabled=False, relay_enabled=False,
                            sweeper_enabled=False, log_level="WARNING")
        app = build_app(settings)
        headers = {"Authorization": f"Bearer {mint_token(settings, role='county_admin', area=COUNTY)}"}
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                         timeout=120) as client:
                yield client, headers, url, pg_version


async def put_line(client: httpx.AsyncClient, headers: dict, line: str) -> dict:
    current = (await client.get(f"/api/v1/policies/2021/{COUNTY}", headers=headers)).json()
    values = {k: v for k, v in current.items() if k not in ("year", "area_code", "version", "updated_by",
                                                            "updated_at")}
    resp = await client.put(f"/api/v1/policies/2021/{COUNTY}", json={**values, "income_line": line},
                            headers=headers)
    resp.raise_for_status()
    return resp.json()["rescreen"]


def run(main) -> None:
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/backstop-runtime")
    os.makedirs(os.environ["XDG_RUNTIME_DIR"], exist_ok=True)
    asyncio.run(main())
