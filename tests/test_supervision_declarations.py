"""Households declaring a risk themselves (农户自主申报) on the running stack: a declaration verified into a
case, one declined with the household's SMS in the log provider, the same answer for an unknown ID number,
and the daily limits (what must never leak: test_supervision_zz_privacy.py)."""

import asyncio
import json

import asyncpg
import httpx

from backstop_common.db import plain_url
from backstop_common.testing import eventually, read_events
from monitoring.config import Settings as MonitoringSettings
from monitoring.supervision.vault import vault_from
from tests.support import load_directory, member, new_household

TOWNSHIP = "211204201000"
VILLAGE = "211204201203"
PHONES = ["13700000001", "13700000002", "13700000003", "13700000004", "13700000005"]
UNKNOWN_ID = "110105199003076511"


async def _code(client: httpx.AsyncClient, stack, phone: str) -> str:
    """The one-time code as only the SMS holds it: read encrypted from monitoring's queue with the dev key."""
    resp = await client.post(f"{stack.url('monitoring')}/api/v1/public/declarations/codes",
                             json={"phone": phone, "area_code": VILLAGE})
    assert resp.status_code == 202, resp.text
    conn = await asyncpg.connect(plain_url(stack.database_url("monitoring")))
    try:
        sealed = await conn.fetchval("SELECT params_enc FROM supervision_sms WHERE template = 'otp' "
                                     "ORDER BY created_at DESC LIMIT 1")
    finally:
        await conn.close()
    return json.loads(vault_from(MonitoringSettings()).open(sealed))["code"]


async def _declare(client, stack, phone: str, id_number: str, *, code: str | None = None, kind="illness"):
    body = {"name": "王秀英", "id_number": id_number, "phone": phone, "area_code": VILLAGE, "kind": kind,
            "code": code or await _code(client, stack, phone), "text": "丈夫突发脑梗住院，医疗费用自付已超过三万元。"}
    return await client.post(f"{stack.url('monitoring')}/api/v1/public/declarations", json=body)


async def _declaration_of(client, stack, headers, household_id: str) -> dict:
    async def found():
        resp = await client.get(f"{stack.url('monitoring')}/api/v1/supervision/declarations",
                                params={"household_id": household_id}, headers=headers)
        return resp.json()["items"]
    return (await eventually(found, timeout=15))[0]


async def _act(client, stack, headers, declaration: dict, action: str, **body) -> httpx.Response:
    return await client.post(f"{stack.url('monitoring')}/api/v1/supervision/declarations/{declaration['id']}/{action}",
                             headers={**headers, "If-Match": str(declaration["version"])}, json=body)


async def test_declarations_are_verified_into_a_case_or_declined_by_sms(demo_areas, stack):
    cadre = stack.headers("village_cadre", VILLAGE)
    township = stack.headers("township_staff", TOWNSHIP)
    async with httpx.AsyncClient(timeout=30) as client:
        first, second = member("户主", 48), member("户主", 61)
        accepted_household = await new_household(client, stack, VILLAGE, members=[first])
        declined_household = await new_household(client, stack, VILLAGE, members=[second])

        answer = await _declare(client, stack, PHONES[0], first["id_number"])
        assert answer.status_code == 202, answer.text
        unknown = await _declare(client, stack, PHONES[1], UNKNOWN_ID)
        assert unknown.status_code == 202 and unknown.json()["message"] == answer.json()["message"]
        assert set(unknown.json()) == set(answer.json()) == {"reference", "message"}

        declaration = await _declaration_of(client, stack, cadre, accepted_household["id"])
        assert declaration["status"] == "awaiting_verification" and declaration["matched"]
        detail = await client.get(f"{stack.url('monitoring')}/api/v1/supervision/declarations/{declaration['id']}",
                                  headers=cadre)
        assert detail.json()["phone"] == PHONES[0] and detail.json()["id_number"] == first["id_number"]

        tried = []

        async def accepted():  # the household reaches monitoring's read model through the event bus
            tried.append(await _act(client, stack, cadre, declaration, "accept", note="入户核实属实"))
            return tried[-1].status_code != 409
        await eventually(accepted, timeout=30)
        assert tried[-1].status_code == 200, tried[-1].text
        verified = tried[-1].json()
        assert verified["status"] == "verified" and verified["case_id"]
        cases = await client.get(f"{stack.url('monitoring')}/api/v1/cases",
                                 params={"household_id": accepted_household["id"]}, headers=cadre)
        assert [c["id"] for c in cases.json()["items"]] == [verified["case_id"]]

        queue = await client.get(f"{stack.url('monitoring')}/api/v1/supervision/declarations",
                                 params={"status": "unregistered"}, headers=township)
        assert unknown.json()["reference"] in [d["id"] for d in queue.json()["items"]]

        assert (await _declare(client, stack, PHONES[2], second["id_number"])).status_code == 202
        to_decline = await _declaration_of(client, stack, cadre, declined_household["id"])
        refused = await _act(client, stack, cadre, to_decline, "decline")
        assert refused.status_code == 422  # a decline needs its reason
        declined = await _act(client, stack, cadre, to_decline, "decline", note="经核实家庭收入稳定，医疗费用已报销。")
        assert declined.json()["status"] == "declined"

        events = await read_events(stack.bootstrap, "monitoring.supervision", lambda es: len(es) >= 1, timeout=20,
                                   where=lambda e: e.subject == to_decline["id"] and e.type.endswith("declined.v1"))
        sms_ref = events[0].data["sms_ref"]
        sent = await eventually(lambda: [line for line in stack.log("notifications").splitlines()
                                         if "notify.sent" in line and sms_ref in line], timeout=30)
        assert len(sent) == 1


async def test_declarations_are_limited_per_phone_and_per_id_number(demo_areas, stack):
    async with httpx.AsyncClient(timeout=30) as client:
        person = member("户主", 39)
        for _ in range(3):  # the policy's default: three a day
            assert (await _declare(client, stack, PHONES[3], person["id_number"])).status_code == 202
        by_phone = await _declare(client, stack, PHONES[3], UNKNOWN_ID, code="000000")
        assert by_phone.status_code == 429 and int(by_phone.headers["Retry-After"]) > 0
        by_id = await _declare(client, stack, PHONES[4], person["id_number"], code="000000")
        assert by_id.status_code == 429 and int(by_id.headers["Retry-After"]) > 0
        wrong = await _declare(client, stack, PHONES[4], UNKNOWN_ID, code="000000")
        assert wrong.status_code == 422  # under the limits, a wrong code is refused


async def test_an_unverified_declaration_is_escalated_once_to_the_township(demo_areas, stack):
    township = stack.headers("township_staff", TOWNSHIP)
    cadre = stack.headers("village_cadre", VILLAGE)
    async with httpx.AsyncClient(timeout=30) as client:
        await load_directory(client, stack)
        person = member("户主", 55)
        household = await new_household(client, stack, VILLAGE, members=[person])
        assert (await _declare(client, stack, PHONES[4], person["id_number"], kind="income_loss")).status_code == 202
        declaration = await _declaration_of(client, stack, cadre, household["id"])
        await client.post(f"{stack.url('monitoring')}/_ops/clock", params={"seconds": 10 * 86400})

        async def escalated():
            resp = await client.get(f"{stack.url('monitoring')}/api/v1/supervision/declarations/{declaration['id']}",
                                    headers=cadre)
            return resp.json()["escalated"]
        await eventually(escalated, timeout=30)
        await asyncio.sleep(11)  # two more sweeps find nothing new
        events = await read_events(stack.bootstrap, "monitoring.supervision", lambda es: False, timeout=4,
                                   where=lambda e: e.subject == declaration["id"] and e.type.endswith("overdue.v1"))
        assert len(events) == 1 and events[0].data["escalate_to_area"] == TOWNSHIP
        assert await eventually(lambda: _township_heard(client, stack, township, declaration["id"]), timeout=30)


async def _township_heard(client, stack, headers, declaration_id: str) -> bool:
    resp = await client.get(f"{stack.url('notifications')}/api/v1/inbox", params={"limit": 200}, headers=headers)
    heard = [m for m in resp.json()["items"]
             if m["event_subject"] == declaration_id and m["event_type"] == "declaration.overdue"]
    assert len(heard) <= 1
    return len(heard) == 1
