"""Offline sync of the case lists (issue 14) and a visit recorded offline keeping when it happened."""

import uuid
from datetime import timedelta, timezone

from backstop_common.testing import bearer, eventually

from ..clock import clock
from .support import income, registered, wait_for_case

VILLAGE, TOWNSHIP, COUNTY = "211204002001", "211204002000", "211204000000"
BEIJING = timezone(timedelta(hours=8))


async def _sync(client, what: str, headers: dict, cursor: str | None = None) -> tuple[list, list, str]:
    params = {"changed_since": cursor} if cursor else {}
    resp = await client.get(f"/api/v1/sync/{what}", params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert not body["more"]
    return body["items"], body["removed"], body["next"]


async def _arrived(client, what: str, headers: dict, cursor: str) -> tuple[list, list, str]:
    """Sync until something arrives: a write shows once every transaction older than it has ended."""
    found = []

    async def check():
        nonlocal cursor
        items, removed, cursor = await _sync(client, what, headers, cursor)
        found.extend(items)
        assert removed == []
        return found

    await eventually(check, timeout=20)
    return found, [], cursor


async def test_a_phone_gets_its_new_case_then_the_plan_and_the_offline_visit_with_when_it_happened(
        app, client, feed, settings):
    cadre = bearer(settings, "village_cadre", VILLAGE, subject="cadre-sync")
    act = {"village": cadre, "township": bearer(settings, "township_staff", TOWNSHIP),
           "county": bearer(settings, "county_staff", COUNTY)}
    _, _, cases = await _sync(client, "cases", cadre)
    _, _, plans = await _sync(client, "plans", cadre)
    _, _, visits = await _sync(client, "visits", cadre)
    hh = uuid.uuid4()
    await feed(registered(hh, VILLAGE, poverty_status="lifted"), income(hh, VILLAGE, "5100.00"))
    case = await wait_for_case(app, hh)
    items, _, cases = await _arrived(client, "cases", cadre, cases)
    assert [c["id"] for c in items] == [str(case.id)]

    async def do(action, who, body=None, status=200):
        resp = await client.post(f"/api/v1/cases/{case.id}/{action}", json=body, headers=act[who])
        assert resp.status_code == status, (action, resp.text)
        return resp.json()

    await do("plan", "village", {"measures": [{"measure_type": "employment", "responsible_unit": "县人社局"}]})
    items, _, plans = await _arrived(client, "plans", cadre, plans)
    assert [(m["case_id"], m["measure_type"]) for m in items] == [(str(case.id), "employment")]
    await do("verify", "village", {"note": "入户核实"})
    await do("post-notice", "village", {"note": "民主评议"})
    clock.advance(timedelta(days=5, minutes=1))
    await do("review", "township", {"note": "乡审核"})
    await do("confirm", "county")

    happened = (clock.now() - timedelta(hours=3)).astimezone(BEIJING).replace(microsecond=0)
    for wrong in (clock.now() + timedelta(hours=1), case.opened_at - timedelta(days=1)):
        refused = await do("visit", "village", {"occurred_at": wrong.isoformat(), "findings": "x"}, status=422)
        assert "occurred_at" in refused["detail"]
    await do("visit", "village", {"occurred_at": happened.replace(tzinfo=None).isoformat(), "findings": "x"},
             status=422)  # no time zone
    recorded = await do("visit", "village", {"occurred_at": happened.isoformat(), "findings": "信号恢复后补录"})
    assert recorded["visits"][0]["visited_on"] == happened.date().isoformat()
    items, _, visits = await _arrived(client, "visits", cadre, visits)
    assert [v["findings"] for v in items] == ["信号恢复后补录"]
    assert items[0]["occurred_at"].replace("Z", "+00:00") == happened.astimezone(timezone.utc).isoformat()
    assert items[0]["recorded_at"] > items[0]["occurred_at"].replace("Z", "+00:00")
    items, _, _ = await _arrived(client, "cases", cadre, cases)
    assert {(c["id"], c["stage"]) for c in items} == {(str(case.id), "confirmed")}
    assert await _sync(client, "visits", bearer(settings, "village_cadre", "211204002002"), visits) == ([], [], visits)
