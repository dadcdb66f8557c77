"""12317 reports (举报) on the running stack: an anonymous report followed to the call-back with the handling
unit's inbox hearing of it, an overdue report escalated exactly once, and a report naming someone of the
handling unit sent to the level above from the start."""

import asyncio
import base64
import io
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from backstop_common.testing import eventually, read_events
from tests.support import load_directory

COUNTY = "211204000000"
TOWNSHIP = "211204201000"
VILLAGE = "211204201203"
CITY = "211200000000"
REPORTER_PHONE = "13912345678"


async def _public_report(client: httpx.AsyncClient, stack, **fields) -> str:
    body = {"category": "policy_not_delivered", "area_code": VILLAGE, "text": "村里答应的危房改造补助一直没有发放。",
            **fields}
    resp = await client.post(f"{stack.url('monitoring')}/api/v1/public/reports", json=body)  # no token
    assert resp.status_code == 201, resp.text
    assert set(resp.json()) == {"reference", "message"}
    return resp.json()["reference"]


async def _act(client, stack, headers, report_id: str, action: str, **body) -> dict:
    url = f"{stack.url('monitoring')}/api/v1/supervision/reports/{report_id}"
    current = (await client.get(url, headers=headers)).json()
    resp = await client.post(f"{url}/{action}", headers={**headers, "If-Match": str(current["version"])}, json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _inbox(client, stack, headers, event_type: str, subject: str) -> list[dict]:
    resp = await client.get(f"{stack.url('notifications')}/api/v1/inbox", params={"limit": 200}, headers=headers)
    assert resp.status_code == 200, resp.text
    return [m for m in resp.json()["items"] if m["event_type"] == event_type and m["event_subject"] == subject]


async def test_an_anonymous_report_is_followed_to_the_call_back(demo_areas, stack):
    hotline = stack.headers("hotline_operator", COUNTY)
    township = stack.headers("township_staff", TOWNSHIP)
    async with httpx.AsyncClient(timeout=30) as client:
        await load_directory(client, stack)
        photo = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
        report_id = await _public_report(client, stack, phone=REPORTER_PHONE, attachments=[
            {"filename": "补助公示.png", "content_type": "image/png", "data_base64": base64.b64encode(photo).decode()}])

        detail = (await client.get(f"{stack.url('monitoring')}/api/v1/supervision/reports/{report_id}",
                                   headers=hotline)).json()
        assert detail["channel"] == "public" and detail["handling_area"] == TOWNSHIP
        assert detail["phone"] == REPORTER_PHONE  # the desk that calls back reads it
        [attachment] = detail["attachments"]
        image = await client.get(f"{stack.url('monitoring')}/api/v1/supervision/reports/{report_id}/attachments/"
                                 f"{attachment['id']}", headers=township)
        assert image.content == photo and image.headers["content-type"] == "image/png"
        audited = await client.get(f"{stack.url('monitoring')}/api/v1/supervision/reports/{report_id}",
                                   headers=stack.headers("auditor", COUNTY))
        assert audited.json()["phone"] == "139****5678"

        assert (await _act(client, stack, hotline, report_id, "accept"))["status"] == "assigned"
        refused = await client.post(f"{stack.url('monitoring')}/api/v1/supervision/reports/{report_id}/answer",
                                    headers={**stack.headers("township_staff", "211204101000"), "If-Match": "2"},
                                    json={"note": "不是本乡的事"})
        assert refused.status_code == 404  # another township does not even see it
        await _act(client, stack, township, report_id, "answer", note="已核实，补助已于本月发放到户。")
        closed = await _act(client, stack, hotline, report_id, "callback", satisfied=True)
        assert closed["status"] == "closed" and closed["satisfaction"] == "satisfied"

        for event_type in ("report.received", "report.assigned", "report.closed"):
            heard = await eventually(lambda t=event_type: _inbox(client, stack, township, t, report_id), timeout=30)
            assert len(heard) == 1
        assert await eventually(lambda: _inbox(client, stack, hotline, "report.answered", report_id), timeout=30)

        month = datetime.fromisoformat(detail["received_at"]).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
        await _monthly_report_matches_the_list(client, stack, hotline, month, "policy_not_delivered")


async def _monthly_report_matches_the_list(client, stack, headers, month: str, category: str) -> None:
    """一月一调度: the month's line for a category counts what the report list holds for it."""
    base = f"{stack.url('monitoring')}/api/v1/supervision"
    listed = (await client.get(f"{base}/reports", params={"category": category, "limit": 500},
                               headers=headers)).json()["items"]
    in_month = [r for r in listed if datetime.fromisoformat(r["received_at"]).astimezone(
        ZoneInfo("Asia/Shanghai")).strftime("%Y-%m") == month]
    report = (await client.get(f"{base}/monthly-report", params={"month": month}, headers=headers)).json()
    line = next(c for c in report["by_category"] if c["category"] == category)
    assert line["received"] == len(in_month)
    assert line["closed"] == sum(r["status"] == "closed" for r in in_month)
    assert line["satisfied"] == sum(r["satisfaction"] == "satisfied" for r in in_month) >= 1
    assert report["totals"]["received"] >= line["received"]
    xlsx = await client.get(f"{base}/monthly-report.xlsx", params={"month": month}, headers=headers)
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        text = "".join(book.read(name).decode() for name in book.namelist() if name.endswith(".xml"))
    assert "12317举报月报" in text and line["title"] in text


async def test_an_overdue_report_is_escalated_once(demo_areas, stack):
    county = stack.headers("county_staff", COUNTY)
    hotline = stack.headers("hotline_operator", COUNTY)
    async with httpx.AsyncClient(timeout=30) as client:
        await load_directory(client, stack)
        report_id = await _public_report(client, stack, category="funds_misuse")
        await _act(client, stack, hotline, report_id, "accept")
        await client.post(f"{stack.url('monitoring')}/_ops/clock", params={"seconds": 40 * 86400})

        async def escalated():
            resp = await client.get(f"{stack.url('monitoring')}/api/v1/supervision/reports/{report_id}",
                                    headers=hotline)
            return resp.json()["escalated_steps"] == ["handle"]

        await eventually(escalated, timeout=30)
        await asyncio.sleep(12)  # two more sweeps of the supervision sweeper (every 5 s) find nothing new
        events = await read_events(stack.bootstrap, "monitoring.supervision", lambda es: False, timeout=5,
                                   where=lambda e: e.subject == report_id and e.type.endswith("report.overdue.v1"))
        assert len(events) == 1
        assert events[0].data["step"] == "handle" and events[0].data["escalate_to_area"] == COUNTY
        heard = await eventually(lambda: _inbox(client, stack, county, "report.overdue", report_id), timeout=30)
        assert len(heard) == 1


async def test_a_report_naming_the_handling_unit_goes_to_the_level_above(demo_areas, stack):
    county = stack.headers("county_staff", COUNTY)
    township = stack.headers("township_staff", TOWNSHIP)
    async with httpx.AsyncClient(timeout=30) as client:
        await load_directory(client, stack)
        report_id = await _public_report(client, stack, category="cadre_conduct", accused_level="township",
                                         text="乡扶贫办干部在评议中优亲厚友。")
        detail = (await client.get(f"{stack.url('monitoring')}/api/v1/supervision/reports/{report_id}",
                                   headers=county)).json()
        assert detail["handling_area"] == COUNTY and detail["conflict_of_interest"] is True
        assert await eventually(lambda: _inbox(client, stack, county, "report.received", report_id), timeout=30)
        assert await _inbox(client, stack, township, "report.received", report_id) == []
        hidden = await client.post(f"{stack.url('monitoring')}/api/v1/supervision/reports/{report_id}/answer",
                                   headers={**township, "If-Match": str(detail["version"])}, json={"note": "无此事"})
        assert hidden.status_code == 403
