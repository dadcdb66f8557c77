"""The HTTP and event surface others rely on; scoping; versioned writes; concurrent duplicate subsidies."""

import asyncio

from backstop_common.testing import bearer
from tests.helpers import allocation, anomalies, household
from tests.test_projects import declare

DESIGN_PATHS = ["/api/v1/fund-sources", "/api/v1/allocations", "/api/v1/projects",
                "/api/v1/projects/{project_id}/{action}", "/api/v1/disbursements", "/api/v1/subsidies",
                "/api/v1/anomalies", "/api/v1/reports/execution"]


async def test_every_design_path_and_the_event_contract(client):
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert all(p in paths for p in DESIGN_PATHS), [p for p in DESIGN_PATHS if p not in paths]
    doc = (await client.get("/asyncapi.json")).json()
    assert {"funds_finance", "registry_household", "monitoring_case"} <= set(doc["channels"])
    sent = {m["name"] for m in doc["components"]["messages"].values()}
    assert {f"backstop.funds.{n}.v1" for n in ("fund.allocated", "project.stage_changed", "disbursement.made",
                                               "subsidy.paid", "finance.anomaly_detected")} <= sent
    assert (await client.get("/readyz")).status_code == 200


async def test_area_scoping_and_read_only_roles(client, county, settings):
    alloc = await allocation(client, county, amount="10.00", area="211204002000")
    neighbour = bearer(settings, "township_staff", "211204001000")
    assert (await client.get(f"/api/v1/allocations/{alloc['id']}", headers=neighbour)).status_code == 404
    assert (await client.get(f"/api/v1/allocations/{alloc['id']}", headers=county)).status_code == 200
    other_county = bearer(settings, "county_admin", "211282000000")
    listed = (await client.get("/api/v1/allocations", headers=other_county)).json()
    assert listed == {"items": [], "total": 0}
    auditor = bearer(settings, "auditor", "211204000000")
    assert (await client.get("/api/v1/reports/execution", headers=auditor)).status_code == 200
    refused = await client.post("/api/v1/allocations", headers=auditor, json={
        "source": "county", "year": 2026, "purpose": "x", "amount": "1.00", "area_code": "211204000000"})
    assert refused.status_code == 403
    assert (await client.get("/api/v1/anomalies")).status_code == 401


async def test_project_changes_take_if_match(client, county):
    project = await declare(client, county)
    url = f"/api/v1/projects/{project['id']}"
    assert (await client.patch(url, headers=county, json={"budget": "1.00"})).status_code == 428
    stale = await client.patch(url, headers=county | {"If-Match": "9"}, json={"budget": "1.00"})
    assert stale.status_code == 409
    ok = await client.patch(url, headers=county | {"If-Match": "1"}, json={"budget": "250000.00"})
    assert ok.status_code == 200 and ok.json()["budget"] == "250000.00" and ok.json()["version"] == 2


async def test_concurrent_duplicate_subsidies_pay_once(app, client, county, settings):
    hid, _ = await household(app, settings, grade="D")
    pots = [await allocation(client, county, amount="50000.00") for _ in range(4)]

    async def pay(pot):
        return await client.post("/api/v1/subsidies", headers=county, json={
            "kind": "housing_renovation", "household_id": str(hid), "period": "2026", "allocation_id": pot["id"]})
    results = await asyncio.gather(*(pay(p) for p in pots))
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409]
    paid = (await client.get("/api/v1/subsidies", headers=county, params={"household_id": str(hid)})).json()
    assert paid["total"] == 1 and paid["items"][0]["amount"] == "45000.00"
    assert len(await anomalies(client, county, kind="duplicate_payment", household_id=str(hid))) == 1
    spent = [(await client.get(f"/api/v1/allocations/{p['id']}", headers=county)).json()["spent"] for p in pots]
    assert sorted(spent) == ["0.00", "0.00", "0.00", "45000.00"]


async def test_hostile_input_is_a_problem_not_a_500(client, county):
    nul = await client.post("/api/v1/allocations", headers=county, json={
        "source": "county", "year": 2026, "purpose": "a\x00b", "amount": "1.00", "area_code": "211204000000"})
    assert nul.status_code == 422
    assert (await client.get("/api/v1/allocations", headers=county, params={"year": 99999999999})).status_code == 422
    assert (await client.get("/api/v1/suggestions", headers=county, params={"status": "x\x00"})).status_code == 422
    assert (await client.get("/api/v1/subsidies", headers=county, params={"period": "\x00"})).status_code == 422
