"""The county plans' monitoring rules across the running stack (issue 16): what the registry files
reaches monitoring, and what monitoring decides reaches the office that acts on it."""

import httpx

from backstop_common.testing import eventually
from tests.support import admin, load_directory, member, new_household

VILLAGE = "211204101207"        # 张相镇, 清河区


async def _inbox_has(client, stack, headers, event_type: str, subject: str) -> bool:
    resp = await client.get(f"{stack.url('notifications')}/api/v1/inbox", params={"limit": 200}, headers=headers)
    return any(m["event_type"] == event_type and m["event_subject"] == subject for m in resp.json()["items"])


async def test_a_household_under_the_dibao_line_reaches_civil_affairs(demo_areas, stack):
    """Seed 000: 对于今年收入难以达到4400元的贫困户全部纳入低保范围 — the 2020 line of 清河区."""
    county = admin(stack)
    civil_affairs = stack.headers("department", "211204000000", department="civil_affairs")
    async with httpx.AsyncClient(timeout=30) as client:
        await load_directory(client, stack)
        household = await new_household(client, stack, VILLAGE, dibao=False,
                                        members=[member("户主", 55), member("配偶", 53, female=True)])
        resp = await client.post(f"{stack.url('registry')}/api/v1/households/{household['id']}/income-assessments",
                                 headers=county, json={"year": 2020, "wage": "7000", "business": "0",
                                                       "business_costs": "0", "property": "0", "transfer": "1200"})
        assert resp.status_code == 201, resp.text  # 4,100 a person
        assert await eventually(lambda: _inbox_has(client, stack, civil_affairs, "dibao.recommended",
                                                   household["id"]), timeout=40)


async def test_raising_the_dibao_line_recommends_the_households_now_under_it_once(demo_areas, stack):
    """Seed 000's 低保 line is policy data: a PUT that raises it re-screens the area like the monitoring
    line does — a household now under it and not on 低保 reaches civil affairs, once."""
    monitoring, village = stack.url("monitoring"), "211204201209"  # a village no other test writes to
    county = admin(stack)
    civil_affairs = stack.headers("department", "211204000000", department="civil_affairs")
    async with httpx.AsyncClient(timeout=30) as client:
        await load_directory(client, stack)
        household = await new_household(client, stack, village, dibao=False,
                                        members=[member("户主", 58), member("配偶", 57, female=True)])
        hid = household["id"]
        resp = await client.post(f"{stack.url('registry')}/api/v1/households/{hid}/income-assessments",
                                 headers=county, json={"year": 2020, "wage": "9200", "business": "0",
                                                       "business_costs": "0", "property": "0", "transfer": "0"})
        assert resp.status_code == 201, resp.text  # 4,600 a person: above 清河区's 4,400

        async def income_known():
            resp = await client.get(f"{monitoring}/api/v1/households/{hid}/monitoring", headers=county)
            return resp.status_code == 200 and resp.json()["facts"]["per_capita_income"] == "4600.00"
        assert await eventually(income_known, timeout=40)
        policy = (await client.get(f"{monitoring}/api/v1/policies/2020/{village}", headers=county)).json()
        assert policy["dibao_line"] == "4400.00", policy
        values = {k: v for k, v in policy.items()
                  if k not in ("year", "area_code", "version", "updated_by", "updated_at")} | {"dibao_line": "4800.00"}
        raised = await client.put(f"{monitoring}/api/v1/policies/2020/{village}", headers=county, json=values)
        assert raised.status_code == 200, raised.text
        assert raised.json()["rescreen"]["dibao_recommended"] >= 1
        assert await eventually(lambda: _inbox_has(client, stack, civil_affairs, "dibao.recommended", hid),
                                timeout=40)
        again = await client.put(f"{monitoring}/api/v1/policies/2020/{village}", headers=county, json=values)
        assert again.status_code == 200 and again.json()["rescreen"]["dibao_recommended"] == 0, again.text


async def test_department_feeds_reach_monitoring_and_funds(demo_areas, stack):
    """Seed 004 (户籍、就业…残疾人 data shared): a job lost in the human-resources feed is a monitoring
    signal; a death in the public-security feed makes a later payment to that person an anomaly."""
    registry, funds, monitoring = stack.url("registry"), stack.url("funds"), stack.url("monitoring")
    county = admin(stack)
    async with httpx.AsyncClient(timeout=30) as client:
        worker, father = member("户主", 45, employment="migrant"), member("之父", 78)
        household = await new_household(client, stack, VILLAGE, members=[worker, member("配偶", 44, female=True),
                                                                          father])
        hid = household["id"]
        jobs = await client.post(f"{registry}/api/v1/feeds/human_resources", headers=county, json={
            "records": [{"id_number": worker["id_number"], "employment": "none"}]})
        assert jobs.status_code == 200 and jobs.json()["changed"] == 1, jobs.text

        async def job_lost_signal():
            resp = await client.get(f"{monitoring}/api/v1/households/{hid}/monitoring", headers=county)
            return resp.status_code == 200 and any(s["rule"] == "job_lost" and s["risk_type"] == "07"
                                                   for s in resp.json()["signals"])
        assert await eventually(job_lost_signal, timeout=40)

        police = await client.post(f"{registry}/api/v1/feeds/public_security", headers=county, json={
            "records": [{"id_number": father["id_number"], "event": "death", "effective_on": "2026-08-01"}]})
        assert police.status_code == 200 and police.json()["changed"] == 1, police.text
        father_id = next(m["id"] for m in household["members"] if m["relation"] == "之父")
        alloc = (await client.post(f"{funds}/api/v1/allocations", headers=county, json={
            "source": "county", "year": 2026, "purpose": "医疗救助", "amount": "50000.00",
            "area_code": "211204000000"})).json()

        async def payment_caught():
            resp = await client.post(f"{funds}/api/v1/subsidies", headers=county, json={
                "kind": "medical_relief", "household_id": hid, "member_id": father_id, "period": "2026",
                "allocation_id": alloc["id"]})
            return resp.status_code in (409, 422) and resp.json().get("anomaly_id")
        assert await eventually(payment_caught, timeout=40)
        anomalies = (await client.get(f"{funds}/api/v1/anomalies", params={"limit": 200}, headers=county)).json()
        assert ("deceased_beneficiary", father_id) in {(a["kind"], a["member_id"]) for a in anomalies["items"]
                                                        if a["household_id"] == hid}


async def test_a_pension_stopped_in_the_human_resources_feed_is_a_monitoring_signal(demo_areas, stack):
    """Seed 004 (社会保险 shared; 城乡居民基本养老保险): the 人社 feed says an old member draws ¥186.50 a
    month, then that the pension stopped — a household's transfer income fell away, and the village verifies."""
    registry, monitoring = stack.url("registry"), stack.url("monitoring")
    county = admin(stack)
    async with httpx.AsyncClient(timeout=30) as client:
        grandma = member("之母", 79, female=True)
        household = await new_household(client, stack, VILLAGE, members=[member("户主", 50), grandma])
        hid = household["id"]
        for record in ({"pension": "receiving", "pension_monthly": "186.50"}, {"pension": "none"}):
            resp = await client.post(f"{registry}/api/v1/feeds/human_resources", headers=county, json={
                "records": [{"id_number": grandma["id_number"], **record}]})
            assert resp.status_code == 200 and resp.json()["changed"] == 1, resp.text

        async def pension_signal():
            resp = await client.get(f"{monitoring}/api/v1/households/{hid}/monitoring", headers=county)
            return resp.status_code == 200 and [s for s in resp.json()["signals"] if s["rule"] == "pension_stopped"]
        [signal] = await eventually(pension_signal, timeout=40)
        assert signal["risk_type"] == "99" and signal["facts"]["yearly_loss"] == "2238.00"
