"""Outbound webhooks to real local HTTP servers: signed, retried, a failing one paused, the healthy one unaffected."""

import json
import uuid

from standardwebhooks.webhooks import Webhook

from backstop_common.testing import bearer, eventually, make_event, publish_events
from backstop_common.topics import MONITORING_CASE

from .conftest import COUNTY
from .http_receiver import Receiver
from .helpers import village


def _confirmed(vil: str, n: int):
    case_id = uuid.uuid4()
    return make_event("monitoring", "case.confirmed", case_id, area_code=vil, data={
        "case_id": str(case_id), "household_id": str(uuid.uuid4()), "village_code": vil,
        "actor": {"user_id": "cadre-7", "role": "village_cadre"}, "category": "marginal",
        "risk_types": ["01"], "gaps": [], "plan_due_at": "2026-12-10T00:00:00+08:00",
        "note": f"联系电话13812345678 #{n}", "helper_name": "张三"})


async def _subscribe(client, admin, url: str, area: str) -> dict:
    resp = await client.post("/api/v1/webhooks", headers=admin, json={
        "name": f"sub-{uuid.uuid4().hex[:6]}", "url": url, "event_types": ["case.*"], "area_prefix": area[:9]})
    assert resp.status_code == 201, resp.text
    assert resp.json()["secret"].startswith("whsec_")
    return resp.json()


async def test_failing_subscriber_is_paused_while_healthy_one_keeps_receiving(client, settings, admin):
    vil = village(901)
    with Receiver(200) as healthy, Receiver(500) as failing:
        good = await _subscribe(client, admin, healthy.url, vil)
        bad = await _subscribe(client, admin, failing.url, vil)
        events = [_confirmed(vil, n) for n in range(4)]
        await publish_events(settings.kafka_bootstrap_servers, MONITORING_CASE, events)

        assert await eventually(lambda: len(healthy.requests) >= len(events), timeout=20)

        async def paused():
            body = (await client.get(f"/api/v1/webhooks/{bad['id']}", headers=admin)).json()
            return body if body["paused"] else None
        report = await eventually(paused, timeout=20)
        assert report, "the failing subscriber was not paused"
        assert report["last_error"] == "answered HTTP 500" and report["consecutive_failures"] >= 3
        assert report["pending"] == len(events)  # nothing lost: they wait for the resume
        # the failing endpoint was really retried (the same event each time: order is kept)
        ids = [h["webhook-id"] for h, _ in failing.requests]
        assert len(ids) >= settings.webhook_pause_after_failures and len(set(ids)) == 1

        # every healthy request verifies with the subscriber's secret; webhook-id is the event id
        verifier = Webhook(good["secret"])
        received = {}
        for headers, body in healthy.requests:
            payload = verifier.verify(body, headers)
            received[headers["webhook-id"]] = payload
        assert set(received) == {str(e.id) for e in events}
        sample = received[str(events[0].id)]
        assert sample["type"] == "case.confirmed" and sample["data"]["category"] == "marginal"
        text = json.dumps(sample, ensure_ascii=False)
        assert "13812345678" not in text and "张三" not in text and "cadre-7" not in text
        assert sample["data"]["actor"] == {"role": "village_cadre"}

        # a tampered body does not verify
        headers, body = healthy.requests[0]
        try:
            verifier.verify(body.replace(b"marginal", b"sudden_hardship"), headers)
            raise AssertionError("tampered body verified")
        except Exception as exc:
            assert "signature" in str(exc).lower()

        good_state = (await client.get(f"/api/v1/webhooks/{good['id']}", headers=admin)).json()
        assert not good_state["paused"] and good_state["consecutive_failures"] == 0

        # resumed against a fixed endpoint, the waiting deliveries go out
        failing.status = 200
        resumed = await client.patch(f"/api/v1/webhooks/{bad['id']}", json={"paused": False},
                                     headers={**admin, "If-Match": str(report["version"])})
        assert resumed.status_code == 200, resumed.text
        assert await eventually(lambda: len({h["webhook-id"] for h, _ in failing.requests}) >= len(events), timeout=20)


async def test_webhook_bad_input_is_problem_json_and_creates_nothing(client, settings, admin):
    before = (await client.get("/api/v1/webhooks", headers=admin)).json()["total"]
    resp = await client.post("/api/v1/webhooks", headers=admin, json={
        "name": "x", "url": "ftp://nope", "event_types": ["case.*"]})
    assert resp.status_code == 422 and resp.headers["content-type"] == "application/problem+json"
    outside = await client.post("/api/v1/webhooks", headers=bearer(settings, "county_admin", "211205000000"),
                                json={"name": "x", "url": "http://127.0.0.1:1/x", "event_types": ["*"],
                                      "area_prefix": "211204"})
    assert outside.status_code == 403
    assert (await client.get("/api/v1/webhooks", headers=admin)).json()["total"] == before
    assert COUNTY
