"""Budgets and idle money: commitments within a project's budget, an idle allocation flagged once, money
returned (退回) with its reason reducing what was spent."""

import asyncio
from datetime import timedelta

from backstop_common.testing import eventually, read_events
from backstop_common.topics import FUNDS_FINANCE
from tests.helpers import allocation, anomalies, household
from tests.test_ledger import implementing_project

IDLE_VILLAGE = "211204102205"       # its own project policy below; no other test uses it


async def _allocation(client, headers, alloc_id):
    return (await client.get(f"/api/v1/allocations/{alloc_id}", headers=headers)).json()


async def test_commitments_stay_within_the_project_budget(client, county, clock):
    pid = await implementing_project(client, county, clock, name="小型水利", budget="1000.00")
    alloc = await allocation(client, county, amount="5000.00")
    fund = await client.post(f"/api/v1/projects/{pid}/fundings", headers=county,
                             json={"allocation_id": alloc["id"], "amount": "800.00"})
    assert fund.status_code == 201, fund.text
    over = await client.post(f"/api/v1/projects/{pid}/fundings", headers=county,
                             json={"allocation_id": alloc["id"], "amount": "300.00"})
    assert over.status_code == 409, over.text
    assert {k: over.json()[k] for k in ("budget", "committed", "requested", "available")} == {
        "budget": "1000.00", "committed": "800.00", "requested": "300.00", "available": "200.00"}

    async def pay(amount):
        return await client.post("/api/v1/disbursements", headers=county,
                                 json={"project_id": pid, "allocation_id": alloc["id"], "amount": amount})
    assert (await pay("500.00")).status_code == 201           # from what is committed
    assert (await pay("400.00")).status_code == 201           # 300 committed + 100 more: 900 of 1000
    refused = await pay("200.00")                             # would commit 200 more: 1100
    assert refused.status_code == 409 and refused.json()["available"] == "100.00"
    left = await _allocation(client, county, alloc["id"])
    assert (left["committed"], left["spent"]) == ("900.00", "900.00")


async def test_money_returned_with_its_reason_reduces_what_was_spent(app, client, county, settings, clock):
    pid = await implementing_project(client, county, clock, name="产业园道路", budget="10000.00")
    alloc = await allocation(client, county, amount="10000.00")
    paid = await client.post("/api/v1/disbursements", headers=county,
                             json={"project_id": pid, "allocation_id": alloc["id"], "amount": "3000.00"})
    assert paid.status_code == 201
    back = await client.post("/api/v1/returns", headers=county, json={
        "disbursement_id": paid.json()["id"], "amount": "1200.50", "reason": "工程结余退回"})
    assert back.status_code == 201, back.text
    assert back.json()["reason"] == "工程结余退回" and back.json()["project_id"] == pid
    after = await _allocation(client, county, alloc["id"])
    assert (after["committed"], after["spent"]) == ("1799.50", "1799.50")
    too_much = await client.post("/api/v1/returns", headers=county, json={
        "disbursement_id": paid.json()["id"], "amount": "1800.00", "reason": "再退"})
    assert too_much.status_code == 409 and too_much.json()["returnable"] == "1799.50"
    neither = await client.post("/api/v1/returns", headers=county, json={"amount": "1.00", "reason": "x"})
    assert neither.status_code == 422
    assert (await _allocation(client, county, alloc["id"]))["spent"] == "1799.50"

    hid, (pupil,) = await household(app, settings, members=[{"stage": "senior"}])
    subsidy = await client.post("/api/v1/subsidies", headers=county, json={
        "kind": "education", "household_id": str(hid), "member_id": str(pupil), "period": "2026",
        "allocation_id": alloc["id"]})
    assert subsidy.status_code == 201 and subsidy.json()["amount"] == "2000.00"
    whole = await client.post("/api/v1/returns", headers=county, json={
        "subsidy_id": subsidy.json()["id"], "amount": "2000.00", "reason": "学生已退学，资助退回"})
    assert whole.status_code == 201 and whole.json()["household_id"] == str(hid)
    assert (await _allocation(client, county, alloc["id"]))["spent"] == "1799.50"

    listed = (await client.get("/api/v1/returns", headers=county, params={"allocation_id": alloc["id"]})).json()
    assert listed["total"] == 2
    report = (await client.get("/api/v1/reports/execution", headers=county, params={"year": 2026})).json()
    assert report["ledger"]["spent"] == report["totals"]["spent"]
    assert report["ledger"]["returns"] != "0.00"
    events = await read_events(settings.kafka_bootstrap_servers, FUNDS_FINANCE, until=lambda evs: len(evs) >= 2,
                               where=lambda e: e.name == "money.returned" and e.data["allocation_id"] == alloc["id"])
    assert sorted(e.data["amount"] for e in events) == ["1200.50", "2000.00"]
    assert {e.data["reason"] for e in events} == {"工程结余退回", "学生已退学，资助退回"}


async def test_an_allocation_left_uncommitted_past_the_policys_days_is_flagged_once(client, county, settings,
                                                                                     clock):
    policy = await client.put(f"/api/v1/project-policies/2026/{IDLE_VILLAGE}", headers=county, json={
        "notice_days": 10, "idle_days": 5})
    assert policy.status_code == 200 and policy.json()["idle_days"] == 5
    idle = await allocation(client, county, amount="3000.00", area=IDLE_VILLAGE, purpose="村级公益岗位")
    await asyncio.sleep(0.5)                                  # sweeps at today's time find nothing
    assert await anomalies(client, county, allocation_id=idle["id"]) == []
    clock.offset = timedelta(days=6)
    try:
        found = await eventually(lambda: anomalies(client, county, allocation_id=idle["id"]))
        await asyncio.sleep(1.0)                              # several more sweeps
    finally:
        clock.offset = timedelta(0)
    found = await anomalies(client, county, allocation_id=idle["id"])
    assert [(a["kind"], a["amount"]) for a in found] == [("idle_allocation", "3000.00")]
    events = await read_events(settings.kafka_bootstrap_servers, FUNDS_FINANCE, until=lambda evs: False, timeout=2,
                               where=lambda e: e.name == "finance.anomaly_detected"
                               and e.data["kind"] == "idle_allocation" and str(idle["id"]) in e.data["detail"])
    assert len(events) == 1
