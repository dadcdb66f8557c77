"""`make run` stopped and started again on the same data folder: nothing added twice, nothing lost."""

import subprocess
import sys
from decimal import Decimal

import asyncpg
import httpx
import pytest

from backstop_common.db import plain_url
from backstop_common.demo.county import COUNTY_CODE
from backstop_common.devstack import RunningStack, run_stack
from backstop_common.testing import eventually

pytestmark = pytest.mark.fault
#: a small demo county (monitoring is held back during the import, so it is behind when the stack stops)
DIGEST_HOUSEHOLDS = 120


def _totals(stack: RunningStack) -> dict:
    """What the county office sees of the demo county: households, money allocated, projects, directory."""
    admin = stack.headers("county_admin", COUNTY_CODE)
    with httpx.Client(timeout=30, headers=admin) as client:
        def page(service: str, path: str) -> dict:
            resp = client.get(f"{stack.url(service)}/api/v1/{path}", params={"limit": 500})
            assert resp.status_code == 200, resp.text
            return resp.json()

        allocations = page("funds", "allocations")
        return {"households": page("registry", "households")["total"],
                "allocations": allocations["total"],
                "allocated": sum(Decimal(a["amount"]) for a in allocations["items"]),
                "projects": page("funds", "projects")["total"],
                "recipients": page("notifications", "recipients")["total"]}


REGISTERED = "backstop.registry.household.registered.v1"


async def _count(stack: RunningStack, service: str, sql: str) -> int:
    conn = await asyncpg.connect(plain_url(stack.database_url(service)))
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def _read_models(stack: RunningStack) -> dict:
    """How many of the registry's households each read model holds, and registrations each consumer applied."""
    applied = f"SELECT count(*) FROM inbox WHERE type = '{REGISTERED}'"
    return {"registry": await _count(stack, "registry", "SELECT count(*) FROM households"),
            "monitoring": await _count(stack, "monitoring", "SELECT count(*) FROM household_facts"),
            "funds": await _count(stack, "funds", "SELECT count(*) FROM households WHERE registered"),
            **{f"{s}.applied": await _count(stack, s, applied) for s in ("monitoring", "funds", "notifications")}}


async def test_a_restart_mid_digest_loses_nothing_and_seeds_nothing_twice(tmp_path):
    """Issue 12 items 8 and 9: stopped while monitoring digests the demo county, started again on the same
    data folder (seeding again, as `make run` does), every read model is complete and no total moved."""
    first = run_stack(tmp_path)
    try:
        monitoring = first.processes()["monitoring"]
        monitoring.suspend()  # monitoring falls behind the import …
        try:
            seeded = subprocess.run([sys.executable, "-m", "backstop_common.cli", "seed", "--households",
                                     str(DIGEST_HOUSEHOLDS), "--data-dir", str(tmp_path)],
                                    capture_output=True, text=True, timeout=300)
            assert seeded.returncode == 0, seeded.stderr[-2000:]
            published = await eventually(lambda: _count(first, "registry", "SELECT count(*) = 0 FROM outbox "
                                                                           "WHERE sent_at IS NULL"), timeout=60)
            assert published
        finally:
            monitoring.resume()
        before = await _read_models(first)
        seeded_totals = _totals(first)
    finally:
        first.stop()  # … and the stack stops with the broker's memory holding what monitoring had not read
    assert before["monitoring"] < before["registry"] == DIGEST_HOUSEHOLDS

    # "Backstop is up" once every service has digested what was published
    second = run_stack(tmp_path, seed=True, households=DIGEST_HOUSEHOLDS)
    try:
        after = await _read_models(second)
        assert after == {k: DIGEST_HOUSEHOLDS for k in after}, after
        assert _totals(second) == seeded_totals
    finally:
        second.stop()
