"""A campaign (大排查) over the whole demo county opens exactly the problems the registry's data implies."""

import asyncio
from datetime import datetime, timedelta

import asyncpg
import httpx

from backstop_common.db import plain_url
from backstop_common.demo.households import household_csv
from backstop_common.testing import eventually

COUNTY = "211204000000"
#: check → (the unit its problems go to, the registry's own statement of who fails it)
IMPLIED = {
    "house.safe": ("housing", "h.housing_grade IN ('C', 'D')"),
    "water.safe": ("water", "h.safe_water IS FALSE"),
    "med.insured": ("health_insurance", "EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.id "
                                        "AND m.removed_on IS NULL AND NOT m.medical_insurance)"),
}


async def _implied(stack) -> dict[str, int]:
    con = await asyncpg.connect(plain_url(stack.database_url("registry")))
    try:
        return {check: await con.fetchval(f"SELECT count(*) FROM households h WHERE h.village_code >= '211204' "
                                          f"AND h.village_code < '211205' AND {condition}")
                for check, (_, condition) in IMPLIED.items()}
    finally:
        await con.close()


async def test_demo_county_campaign_opens_what_the_data_implies(demo_areas, stack):
    admin = stack.headers("county_admin", COUNTY)
    monitoring = f"{stack.url('monitoring')}/api/v1"
    async with httpx.AsyncClient(timeout=60, headers=admin) as client:
        imported = await client.post(f"{stack.url('registry')}/api/v1/imports/households",
                                     params={"filename": "demo.csv"}, content=household_csv(1500, seed=8),
                                     headers={"content-type": "text/csv"})
        assert imported.status_code == 200 and imported.json()["households_registered"] > 1000, imported.text
        implied = await _implied(stack)
        assert all(n > 0 for n in implied.values()), implied  # the demo county has each kind of problem
        # monitoring learns the 1,500 households from the registry's events: minutes on a busy machine
        await asyncio.to_thread(stack.wait_until_digested)
        clock = await client.post(f"{stack.url('monitoring')}/_ops/clock", params={"seconds": 0})
        now = datetime.fromisoformat(clock.json()["now"])  # earlier tests may have moved it
        campaign = {"name": "清河区防返贫大排查", "area_code": COUNTY, "checks": list(IMPLIED),
                    "investigation_due": (now + timedelta(days=10)).isoformat(),
                    "rectification_due": (now + timedelta(days=30)).isoformat()}
        created = await client.post(f"{monitoring}/campaigns", json=campaign)
        assert created.status_code == 201, created.text
        run_url = f"{monitoring}/campaigns/{created.json()['id']}/run"

        async def opened_per_check() -> dict[str, int] | None:
            assert (await client.post(run_url)).status_code == 200  # re-runs open only what is new
            found = {}
            for check, (unit, _) in IMPLIED.items():
                page = await client.get(f"{monitoring}/problems", params={
                    "campaign_id": created.json()["id"], "unit": unit, "status": "opened", "limit": 1})
                found[check] = page.json()["total"]
            return found if found == implied else None

        assert await eventually(opened_per_check, timeout=30, interval=1.0) == implied
        rerun = await client.post(run_url)
        assert rerun.json()["opened"] == 0 and rerun.json()["closed"] == 0  # nothing twice
