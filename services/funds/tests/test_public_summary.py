"""资金公开 in figures: anyone reads an area's allocations, public projects and subsidies — never a household."""

import re

from tests.helpers import allocation, household
from tests.test_ledger import implementing_project
from tests.test_projects import declare

TOWNSHIP, VILLAGE = "211204003000", "211204003001"  # an area of its own: other modules count theirs
ID_NUMBER = re.compile(r"\d{17}[\dXx]")


async def test_the_public_reads_an_areas_money_without_an_account_and_without_a_household(
        app, client, county, settings, clock):
    await allocation(client, county, amount="80000.00", source="central", area=TOWNSHIP)
    await allocation(client, county, amount="20000.00", source="donation", area=VILLAGE)
    public_project = await implementing_project(client, county, clock, area_code=VILLAGE, name="公开村路")
    await declare(client, county, area_code=VILLAGE, name="尚未公示的项目")
    hid, _ = await household(app, settings, village=VILLAGE, grade="D")
    funding = await allocation(client, county, amount="50000.00", source="county", area=TOWNSHIP)
    paid = await client.post("/api/v1/subsidies", headers=county, json={
        "kind": "housing_renovation", "household_id": str(hid), "period": "2026", "allocation_id": funding["id"]})
    assert paid.status_code == 201, paid.text

    resp = await client.get("/api/v1/public/funds", params={"area_code": TOWNSHIP})  # no token
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert {a["source"]: a["amount"] for a in body["allocations"]} == {
        "central": "80000.00", "county": "50000.00", "donation": "20000.00"}
    assert [p["name"] for p in body["projects"]] == ["公开村路"]
    assert body["subsidies"] == [{"village_code": VILLAGE, "kind": "housing_renovation", "period": "2026",
                                  "amount": paid.json()["amount"], "paid_on": paid.json()["paid_on"]}]
    assert str(hid) not in resp.text and public_project not in resp.text and not ID_NUMBER.search(resp.text)
    bad = await client.get("/api/v1/public/funds", params={"area_code": "2112"})
    assert bad.status_code == 422
