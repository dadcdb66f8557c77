"""A hostile or curious client: another village's records do not exist for a cadre, identifiers stay
masked for roles that should not see them and never reach a log line or an event, bodies are bounded."""

import json

import httpx

from backstop_common.testing import eventually, read_events
from backstop_common.topics import MONITORING_CASE, REGISTRY_HOUSEHOLD
from tests.support import _issued, member, new_household

MINE, OTHER = "211204002001", "211204002002"
LOW_INCOME = {"year": 2026, "wage": "1000", "business": "0", "business_costs": "0", "property": "0",
              "transfer": "500"}


async def test_a_cadre_cannot_reach_another_villages_records(demo_areas, stack):
    admin = stack.headers("county_admin", "211204000000")
    stranger = stack.headers("village_cadre", OTHER)
    async with httpx.AsyncClient(timeout=30) as client:
        household = await new_household(client, stack, MINE, members=[member("户主", 60), member("配偶", 58, True)])
        hid, member_id = household["id"], household["members"][0]["id"]
        resp = await client.post(f"{stack.url('registry')}/api/v1/households/{hid}/income-assessments",
                                 headers=admin, json=LOW_INCOME)
        assert resp.status_code == 201, resp.text

        async def case():
            page = (await client.get(f"{stack.url('monitoring')}/api/v1/cases", params={"household_id": hid},
                                     headers=admin)).json()
            return page["items"][0] if page["items"] else None

        the_case = await eventually(case, timeout=30)
        assert the_case, "no case opened"
        reg, mon, funds = (f"{stack.url(s)}/api/v1" for s in ("registry", "monitoring", "funds"))
        attempts = [
            ("GET", f"{reg}/households/{hid}", None), ("GET", f"{reg}/households/{hid}/history", None),
            ("PATCH", f"{reg}/households/{hid}", {"tags": ["x"]}), ("PATCH", f"{reg}/members/{member_id}", {"phone": "13800000000"}),
            ("POST", f"{reg}/households/{hid}/income-assessments", LOW_INCOME),
            ("POST", f"{reg}/households/{hid}/housing-assessments", {"grade": "D", "assessed_on": "2026-01-01"}),
            ("POST", f"{reg}/members/{member_id}/removal", {"reason": "death", "effective_on": "2026-01-01"}),
            ("GET", f"{mon}/cases/{the_case['id']}", None), ("POST", f"{mon}/cases/{the_case['id']}/verify", {}),
            ("GET", f"{mon}/households/{hid}/monitoring", None),
            ("GET", f"{funds}/reports/households/{hid}", None),
        ]
        for method, url, body in attempts:
            resp = await client.request(method, url, json=body, headers={**stranger, "If-Match": "1"})
            assert resp.status_code in (403, 404), f"{method} {url}: {resp.status_code} {resp.text[:300]}"
            assert resp.headers["content-type"] == "application/problem+json"
        listed = (await client.get(f"{reg}/households", params={"limit": 500}, headers=stranger)).json()
        assert hid not in {h["id"] for h in listed["items"]}
        cases = (await client.get(f"{mon}/cases", params={"limit": 500}, headers=stranger)).json()
        assert the_case["id"] not in {c["id"] for c in cases["items"]}
        # and the file is unchanged by all of that
        after = (await client.get(f"{reg}/households/{hid}", headers=admin)).json()
        assert after["tags"] == household["tags"] and after["housing_grade"] == household["housing_grade"]
        assert after["members"][0]["id"] == member_id and not after["former_members"]


async def test_identifiers_masked_for_helpers_and_absent_from_logs_and_events(demo_areas, stack):
    async with httpx.AsyncClient(timeout=30) as client:
        household = await new_household(client, stack, MINE)
        helper = stack.headers("helper", MINE, subject="helper-x")
        seen = (await client.get(f"{stack.url('registry')}/api/v1/households/{household['id']}", headers=helper))
        assert seen.status_code == 200, seen.text
        body = seen.text
    issued = set(_issued)
    assert issued and not any(number in body for number in issued), "a helper saw an unmasked ID number"
    for service in ("registry", "monitoring", "funds", "notifications"):
        log = stack.log(service)
        assert not any(number in log for number in issued), f"an ID number is in the {service} log"
    for topic in (REGISTRY_HOUSEHOLD, MONITORING_CASE):
        events = await read_events(stack.bootstrap, topic, until=lambda e: False, timeout=3)
        text = json.dumps([e.data for e in events], ensure_ascii=False)
        assert events and not any(number in text for number in issued), f"an ID number travelled on {topic}"


async def test_oversized_and_malformed_bodies_are_refused_cleanly(stack):
    admin = stack.headers("county_admin", "211204000000")
    async with httpx.AsyncClient(timeout=60) as client:
        for service in ("monitoring", "funds", "notifications"):
            big = b"{" + b" " * (17 * 1024 * 1024) + b"}"
            resp = await client.post(f"{stack.url(service)}/api/v1/signals", content=big,
                                     headers={**admin, "content-type": "application/json"})
            assert resp.status_code == 413 and resp.headers["content-type"] == "application/problem+json"
        for payload in (b"{not json", b"[]", b'{"village_code": 12}', "{\"village_code\": \"\u0000\"}".encode()):
            resp = await client.post(f"{stack.url('registry')}/api/v1/households", content=payload,
                                     headers={**admin, "content-type": "application/json"})
            assert resp.status_code == 422, (payload, resp.status_code, resp.text[:200])
            assert resp.json()["status"] == 422
