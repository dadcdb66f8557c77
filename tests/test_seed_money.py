"""The seeds' money rules across the running stack: a household filed in the registry, its insurance from
the health-insurance bureau's feed, its helper and measure — funds pays the premium subsidy per insured
member and the 专科 aid from the seeds' standards, and its village's five-items report shows all five in
place; the unmasked reads of its file are in the access log an auditor reads."""

import httpx

from backstop_common.testing import eventually
from tests.support import admin, member, new_household

VILLAGE = "211204101207"        # 张相镇: 清河区's lines, the province default where it has none


async def test_a_filed_household_gets_the_seeds_money_and_its_five_items(demo_areas, stack):
    registry, funds = stack.url("registry"), stack.url("funds")
    county = admin(stack)
    async with httpx.AsyncClient(timeout=30) as client:
        child = member("之子", 19, schooling_stage="college", schooling_status="enrolled", medical_insurance=False)
        household = await new_household(client, stack, VILLAGE, main_cause="illness",
                                        members=[member("户主", 50, medical_insurance=True),
                                                 member("配偶", 48, female=True, medical_insurance=True), child],
                                        helpers=[{"name": "周帮扶", "unit": "区财政局", "user_id": "helper-zhou"}])
        hid = household["id"]
        fed = await client.post(f"{registry}/api/v1/feeds/health_insurance", headers=county, json={"records": [
            {"id_number": child["id_number"], "year": 2026, "medical_out_of_pocket": "0", "insured": True}]})
        assert fed.status_code == 200 and fed.json()["changed"] == 1, fed.text
        measure = await client.post(f"{registry}/api/v1/households/{hid}/measures", headers=county, json={
            "measure_type": "education", "description": "雨露计划", "given_on": "2026-03-01", "unit": "区教育局"})
        assert measure.status_code == 201, measure.text

        async def premium():
            resp = await client.get(f"{funds}/api/v1/subsidies/quote", headers=county, params={
                "kind": "medical_insurance", "household_id": hid, "period": "2026"})
            return resp.json() if resp.status_code == 200 and resp.json()["amount"] == "780.00" else None
        due = await eventually(premium, timeout=30)
        assert due, "funds did not learn the three insured members"          # 3 × 260 (seed 003)
        alloc = (await client.post(f"{funds}/api/v1/allocations", headers=county, json={
            "source": "county", "year": 2026, "purpose": "参保补贴及教育资助", "amount": "10000.00",
            "area_code": "211204000000"})).json()
        student = next(m["id"] for m in household["members"] if m["relation"] == "之子")
        for body in ({"kind": "medical_insurance"}, {"kind": "education", "member_id": student}):
            paid = await client.post(f"{funds}/api/v1/subsidies", headers=county, json={
                **body, "household_id": hid, "period": "2026", "allocation_id": alloc["id"]})
            assert paid.status_code == 201, paid.text
            assert paid.json()["amount"] == {"medical_insurance": "780.00", "education": "4000.00"}[body["kind"]]

        async def five_in_place():
            report = (await client.get(f"{funds}/api/v1/reports/five-items", headers=county,
                                       params={"village_code": VILLAGE, "year": 2026})).json()
            row = next((r for r in report["items"] if r["household_id"] == hid), None)
            return row if row and row["complete"] else None
        row = await eventually(five_in_place, timeout=30)
        assert row, "the five items are not all in place"
        assert row["items"]["measures"]["value"] == ["education"] and row["items"]["helpers"]["value"] == 1

        notices = (await client.get(f"{funds}/api/v1/public/notices",
                                    params={"kind": "allocation", "limit": 500})).json()["items"]
        assert alloc["id"] in {n["subject_id"] for n in notices}          # no account needed

        log = await client.get(f"{registry}/api/v1/access-log", headers=stack.headers("auditor", "211204000000"),
                               params={"household_id": hid})
        assert log.status_code == 200 and log.json()["total"] >= 1         # the county admin's unmasked reads
        assert {r["role"] for r in log.json()["items"]} == {"county_admin"}
