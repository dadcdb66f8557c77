"""A campaign (大排查) on the running stack: its data check finds a dropout, the problem goes to the
education bureau, and when its rectification deadline passes the bureau's inbox hears of it."""

from datetime import datetime, timedelta

import httpx

from backstop_common.seed import directory
from backstop_common.testing import eventually
from tests.support import member, new_household

TOWNSHIP = "211204201000"
VILLAGE = "211204201203"


async def _now(client: httpx.AsyncClient, stack, service: str) -> datetime:
    resp = await client.post(f"{stack.url(service)}/_ops/clock", params={"seconds": 0})
    return datetime.fromisoformat(resp.json()["now"])


async def test_overdue_problem_reaches_the_responsible_units_inbox(demo_areas, stack):
    admin = stack.headers("county_admin", "211204000000")
    bureau = stack.headers("department", "211204000000", department="education", subject="edu-staff@211204")
    async with httpx.AsyncClient(timeout=30) as client:
        resp = await client.post(f"{stack.url('notifications')}/api/v1/recipients/bulk", headers=admin,
                                 json={"items": directory()})
        assert resp.status_code == 200, resp.text
        household = await new_household(client, stack, VILLAGE, members=[
            member("户主", 44), member("之子", 14, schooling_stage="junior", schooling_status="dropped_out")])

        now = await _now(client, stack, "monitoring")
        campaign = {"name": "2026年防返贫大排查（聂家满族乡）", "area_code": TOWNSHIP,
                    "investigation_due": (now + timedelta(days=10)).isoformat(),
                    "rectification_due": (now + timedelta(days=30)).isoformat(), "checks": ["edu.dropout"]}
        created = await client.post(f"{stack.url('monitoring')}/api/v1/campaigns", headers=admin, json=campaign)
        assert created.status_code == 201, created.text
        campaign_id = created.json()["id"]

        async def run_finds_the_dropout():
            run = await client.post(f"{stack.url('monitoring')}/api/v1/campaigns/{campaign_id}/run", headers=admin)
            assert run.status_code == 200, run.text
            problems = await client.get(f"{stack.url('monitoring')}/api/v1/problems",
                                        params={"campaign_id": campaign_id}, headers=admin)
            return [p for p in problems.json()["items"] if p["household_id"] == household["id"]]

        problems = await eventually(run_finds_the_dropout, timeout=30)
        assert len(problems) == 1 and problems[0]["responsible_unit"] == "education"
        rerun = await client.post(f"{stack.url('monitoring')}/api/v1/campaigns/{campaign_id}/run", headers=admin)
        assert rerun.json()["opened"] == 0  # nothing twice

        for service in ("monitoring", "notifications"):  # the deadline passes
            await client.post(f"{stack.url(service)}/_ops/clock", params={"seconds": 31 * 86400})

        async def bureau_heard():
            inbox = await client.get(f"{stack.url('notifications')}/api/v1/inbox", params={"limit": 200},
                                     headers=bureau)
            assert inbox.status_code == 200, inbox.text
            return [m for m in inbox.json()["items"]
                    if m["event_type"] == "problem.overdue" and m["event_subject"] == problems[0]["id"]]

        heard = await eventually(bureau_heard, timeout=60)
        assert len(heard) == 1, heard
