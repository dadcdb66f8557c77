"""Monitoring's case.confirmed becomes subsidy suggestions; beneficiaries and the required return."""

import uuid

from backstop_common.topics import MONITORING_CASE
from funds.models import HouseholdFact
from tests.helpers import OTHER_VILLAGE, VILLAGE, allocation, feed, household, monitoring, wait_for
from tests.test_ledger import implementing_project
from tests.test_projects import declare


async def test_confirmed_case_lists_what_the_facts_make_it_eligible_for(app, client, county, settings):
    hid, (pupil, patient) = await household(app, settings, grade="C", members=[
        {"stage": "primary", "boarding": True}, {"oop": "7000.00"}])
    case_id = uuid.uuid4()
    await feed(settings, MONITORING_CASE, monitoring(
        "case.confirmed", case_id, hid, VILLAGE, category="unstable_lifted", risk_types=["01"],
        gaps=["housing"], plan_due_at="2026-12-31T00:00:00+08:00"))

    async def suggested(session):
        row = await session.get(HouseholdFact, hid)
        return row is not None and row.monitored
    await wait_for(app, suggested)
    items = (await client.get("/api/v1/suggestions", headers=county, params={"household_id": str(hid)})).json()["items"]
    by_kind = {i["kind"]: i for i in items}
    assert by_kind["housing_renovation"]["amount"] == "5000.00"
    assert by_kind["education"]["amount"] == "1000.00" and by_kind["education"]["member_id"] == str(pupil)
    assert by_kind["medical_relief"]["amount"] == "3000.00"     # monitored: (7000 − 2000) × 60 %
    assert {i["status"] for i in items} == {"open"} and items[0]["case_id"] == str(case_id)
    assert (await client.get("/api/v1/subsidies", headers=county, params={"household_id": str(hid)})).json()["total"] == 0

    alloc = await allocation(client, county, amount="20000.00")
    paid = await client.post("/api/v1/subsidies", headers=county, json={
        "kind": "housing_renovation", "household_id": str(hid), "period": by_kind["housing_renovation"]["period"],
        "allocation_id": alloc["id"]})
    assert paid.status_code == 201 and paid.json()["amount"] == "5000.00"
    items = (await client.get("/api/v1/suggestions", headers=county, params={"household_id": str(hid)})).json()["items"]
    assert {i["kind"]: i["status"] for i in items}["housing_renovation"] == "paid"


async def test_beneficiaries_in_area_and_dividends_against_the_required_return(app, client, county, settings, clock):
    pid = await implementing_project(client, county, clock)
    hid, _ = await household(app, settings)
    outsider, _ = await household(app, settings, village=OTHER_VILLAGE)
    added = await client.post(f"/api/v1/projects/{pid}/beneficiaries", headers=county, json={
        "household_id": str(hid), "benefit": "dividend_share", "persons": 2})
    assert added.status_code == 201, added.text
    assert added.json()["investment"] == "40000.00"                 # 2 persons × 20,000
    outside = await client.post(f"/api/v1/projects/{pid}/beneficiaries", headers=county, json={
        "household_id": str(outsider), "benefit": "job"})
    assert outside.status_code == 422 and "不在项目区域内" in outside.json()["detail"]
    unknown = await client.post(f"/api/v1/projects/{pid}/beneficiaries", headers=county, json={
        "household_id": str(uuid.uuid4()), "benefit": "job"})
    assert unknown.status_code == 422
    twice = await client.post(f"/api/v1/projects/{pid}/beneficiaries", headers=county, json={
        "household_id": str(hid), "benefit": "dividend_share", "persons": 2})
    assert twice.status_code == 409
    listed = (await client.get(f"/api/v1/projects/{pid}/beneficiaries", headers=county)).json()
    assert listed["total"] == 1

    low = await client.post(f"/api/v1/projects/{pid}/dividends", headers=county, json={
        "household_id": str(hid), "year": 2026, "amount": "1500.00"})
    assert low.status_code == 201
    assert (low.json()["required"], low.json()["meets_required_return"]) == ("4000.00", False)
    rest = await client.post(f"/api/v1/projects/{pid}/dividends", headers=county, json={
        "household_id": str(hid), "year": 2026, "amount": "2500.00"})
    assert (rest.json()["year_total"], rest.json()["meets_required_return"]) == ("4000.00", True)
    no_share = await client.post(f"/api/v1/projects/{pid}/dividends", headers=county, json={
        "household_id": str(outsider), "year": 2026, "amount": "10.00"})
    assert no_share.status_code == 422

    trail = (await client.get(f"/api/v1/reports/households/{hid}", headers=county)).json()
    assert [d["amount"] for d in trail["dividends"]] == ["1500.00", "2500.00"]
    assert trail["projects"][0]["project_id"] == pid and trail["total_received"] == "4000.00"


async def test_project_notice_lists_projects_in_public_notice(client, county, settings):
    pid = (await declare(client, county, name="安全饮水巩固提升", project_type="water"))["id"]
    for action in ("appraise", "post-notice"):
        await client.post(f"/api/v1/projects/{pid}/{action}", headers=county)
    notice = (await client.get("/api/v1/notices/projects", headers=county)).json()["items"]
    row = next(r for r in notice if r["project_id"] == pid)
    assert row["stage"] == "公示 (noticed)" and row["notice_ends_at"]
