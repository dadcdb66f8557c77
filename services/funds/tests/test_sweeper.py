"""The background sweeper: unspent money past the deadline and a project stuck in a stage, each once."""

import asyncio
from datetime import date, timedelta

from backstop_common.testing import eventually, read_events
from backstop_common.topics import FUNDS_FINANCE
from tests.helpers import allocation, anomalies
from tests.test_ledger import implementing_project
from tests.test_projects import declare


async def test_unspent_and_stuck_projects_are_flagged_once(app, client, county, settings, clock):
    deadline = date.today() + timedelta(days=5)
    late = await implementing_project(client, county, clock, deadline=deadline.isoformat(), name="扶贫车间")
    alloc = await allocation(client, county, amount="1000.00")
    await client.post(f"/api/v1/projects/{late}/fundings", headers=county,
                      json={"allocation_id": alloc["id"], "amount": "1000.00"})
    paid = await client.post("/api/v1/disbursements", headers=county,
                             json={"project_id": late, "allocation_id": alloc["id"], "amount": "300.00"})
    assert paid.status_code == 201
    stuck = (await declare(client, county, name="产业路"))["id"]
    await asyncio.sleep(0.5)                       # a few sweeps at today's time find nothing
    assert await anomalies(client, county, project_id=late) == []
    assert await anomalies(client, county, project_id=stuck) == []

    clock.offset = timedelta(days=31)              # past the deadline; 申报 allows 30 days
    try:
        unspent = await eventually(lambda: anomalies(client, county, project_id=late, kind="unspent_past_deadline"))
        overdue = await eventually(lambda: anomalies(client, county, project_id=stuck, kind="stage_overdue"))
        await asyncio.sleep(1.0)                   # several more sweeps
    finally:
        clock.offset = timedelta(0)
    assert len(unspent) == 1 and unspent[0]["amount"] == "700.00"
    assert len(overdue) == 1 and "declared" in overdue[0]["detail"]
    assert len(await anomalies(client, county, project_id=late, kind="unspent_past_deadline")) == 1
    assert len(await anomalies(client, county, project_id=stuck)) == 1
    events = await read_events(settings.kafka_bootstrap_servers, FUNDS_FINANCE, until=lambda evs: False, timeout=2,
                               where=lambda e: e.name == "finance.anomaly_detected"
                               and e.data["project_id"] in (late, stuck))
    assert sorted(e.data["kind"] for e in events if e.data["project_id"] == stuck) == ["stage_overdue"]
    assert [e.data["kind"] for e in events if e.data["project_id"] == late].count("unspent_past_deadline") == 1
