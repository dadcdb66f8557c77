"""The HTTP surface: bad input is problem+json and changes nothing; phones masked; rules as data."""

import uuid

from sqlalchemy import func, select

from backstop_common.testing import bearer, make_event, publish_events
from backstop_common.topics import FUNDS_FINANCE
from notifications.models import AccessLog, Recipient, RoutingRule

from .conftest import COUNTY
from .helpers import inbox_with, load, person, village


async def _count(app, model) -> int:
    async with app.state.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_bad_recipient_input_is_problem_json_and_changes_nothing(app, client, settings, admin):
    before = await _count(app, Recipient)
    bad = [
        person("x1", "helper", "12345"),  # area not 12 digits
        person("x2", "helper", village(1), channels=["sms"]),  # sms without a phone
        {"kind": "person", "area_code": village(1), "role": "helper"},  # no user_id
        person("x3", "wizard", village(1)),  # unknown role
    ]
    for item in bad:
        resp = await client.post("/api/v1/recipients", json=item, headers=admin)
        assert resp.status_code == 422, resp.text
        assert resp.headers["content-type"] == "application/problem+json"
    # a bulk load with one bad item (outside the caller's area) loads none of them
    resp = await client.post("/api/v1/recipients/bulk", headers=bearer(settings, "township_staff", "211204001000"),
                             json={"items": [person("ok-1", "helper", "211204001001"),
                                             person("bad-1", "helper", "211204002001")]})
    assert resp.status_code == 404 and resp.json()["index"] == 1
    assert await _count(app, Recipient) == before
    helper = await client.post("/api/v1/recipients", json=person("y", "helper", village(1)),
                               headers=bearer(settings, "helper", village(1)))
    assert helper.status_code == 403
    assert await _count(app, Recipient) == before


async def test_phone_is_masked_for_auditors_and_logged_when_shown(app, client, settings, admin):
    user = f"p-{uuid.uuid4().hex[:6]}"
    created = await client.post("/api/v1/recipients", headers=admin,
                                json=person(user, "helper", village(2), phone="13812345678", channels=["sms"]))
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    masked = await client.get(f"/api/v1/recipients/{rid}", headers=bearer(settings, "auditor", COUNTY))
    assert masked.json()["phone"] == "138****5678"
    logs = await _count(app, AccessLog)
    plain = await client.get(f"/api/v1/recipients/{rid}", headers=admin)
    assert plain.json()["phone"] == "13812345678"
    assert await _count(app, AccessLog) == logs + 1
    dup = await client.post("/api/v1/recipients", headers=admin, json=person(user, "helper", village(2)))
    assert dup.status_code == 409
    stale = await client.put(f"/api/v1/recipients/{rid}", headers={**admin, "If-Match": "7"},
                             json=person(user, "helper", village(2)))
    assert stale.status_code == 409
    no_version = await client.put(f"/api/v1/recipients/{rid}", headers=admin, json=person(user, "helper", village(2)))
    assert no_version.status_code == 428


async def test_default_rules_cover_every_consumed_event_type(client, admin):
    from notifications.events import CONSUMED_TYPES

    resp = await client.get("/api/v1/routing-rules", params={"limit": 500}, headers=admin)
    assert resp.status_code == 200
    covered = {r["event_type"] for r in resp.json()["items"]}
    assert set(CONSUMED_TYPES.values()) <= covered


async def test_a_rule_added_by_api_routes_the_next_event(app, client, settings, admin):
    rules_before = await _count(app, RoutingRule)
    bad = await client.post("/api/v1/routing-rules", headers=admin, json={
        "name": "bad", "event_type": "subsidy.paid", "targets": [{"kind": "helpers"}],
        "template_zh": "{x.__class__}", "template_en": "x"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    no_role = await client.post("/api/v1/routing-rules", headers=admin, json={
        "name": "bad2", "event_type": "subsidy.paid", "targets": [{"kind": "role"}], "template_zh": "x", "template_en": "x"})
    assert no_role.status_code == 422
    assert await _count(app, RoutingRule) == rules_before

    vil = village(3)
    officer = f"u-{uuid.uuid4().hex[:6]}"
    await load(client, admin, {"kind": "person", "user_id": officer, "role": "department", "unit": "civil_affairs",
                               "area_code": COUNTY})
    rule = await client.post("/api/v1/routing-rules", headers=admin, json={
        "name": f"big-medical-relief-{officer}", "event_type": "subsidy.paid", "area_prefix": "211204",
        "conditions": [{"field": "kind", "op": "eq", "value": "medical_relief"},
                       {"field": "amount", "op": "gte", "value": "10000"}],
        "targets": [{"kind": "unit", "unit": "civil_affairs"}],
        "template_zh": "大额医疗救助{amount}元已发放。", "template_en": "Large medical relief {amount} paid."})
    assert rule.status_code == 201, rule.text
    small, large = (make_event("funds", "subsidy.paid", uuid.uuid4(), area_code=vil, data={
        "subsidy_id": str(uuid.uuid4()), "household_id": str(uuid.uuid4()), "member_id": None, "village_code": vil,
        "kind": "medical_relief", "period": "2026", "amount": amount, "allocation_id": str(uuid.uuid4())})
        for amount in ("800.00", "25000.00"))
    await publish_events(settings.kafka_bootstrap_servers, FUNDS_FINANCE, [small, large])
    [message] = await inbox_with(client, settings, officer, "department", COUNTY, large.id)
    assert message["body_zh"] == "大额医疗救助25000.00元已发放。"
    assert message["body_en"] == "Large medical relief 25000.00 paid."
    mine = await client.get("/api/v1/inbox", headers=bearer(settings, "department", COUNTY, subject=officer))
    assert str(small.id) not in {m["event_id"] for m in mine.json()["items"]}

    disabled = await client.put(f"/api/v1/routing-rules/{rule.json()['id']}", headers={**admin, "If-Match": "1"},
                                json={**{k: v for k, v in rule.json().items() if k not in ("id", "version")},
                                      "enabled": False})
    assert disabled.status_code == 200 and disabled.json()["version"] == 2


async def test_text_the_database_cannot_hold_is_refused(app, client, admin):
    before = await _count(app, Recipient)
    for item in (person("nul\x00id", "helper", village(4)),
                 person("tz-quiet", "helper", village(4), quiet_start="22:00:00+08:00", quiet_end="07:00:00+08:00")):
        resp = await client.post("/api/v1/recipients", json=item, headers=admin)
        assert resp.status_code == 422, resp.text
    rule = await client.post("/api/v1/routing-rules", headers=admin, json={
        "name": "nul", "event_type": "subsidy.paid", "targets": [{"kind": "helpers"}],
        "conditions": [{"field": "kind", "op": "eq", "value": "a\x00b"}], "template_zh": "x", "template_en": "x"})
    assert rule.status_code == 422
    assert (await client.get("/api/v1/recipients", params={"role": "a\x00"}, headers=admin)).status_code == 422
    assert await _count(app, Recipient) == before


async def test_ops_endpoints_and_event_contract(client):
    assert (await client.get("/healthz")).json()["status"] == "ok"
    assert (await client.get("/readyz")).status_code == 200
    assert "notifications_messages_total" in (await client.get("/metrics")).text
    doc = (await client.get("/asyncapi.json")).json()
    assert {"notifications_delivery", "registry_household", "monitoring_case", "monitoring_campaign",
            "funds_finance"} <= set(doc["channels"])
    escalated = doc["components"]["messages"]["backstop_notifications_notification_escalated_v1"]["payload"]
    assert set(escalated["required"]) >= {"message_id", "event_id", "from_recipient_id", "to_recipient_ids"}


async def test_a_direct_sms_is_sent_once_by_ref_and_only_for_a_service(app, client, settings):
    from notifications.models import DirectSms

    ref = str(uuid.uuid4())
    body = {"ref": ref, "phone": "13800001234", "template": "otp", "params": {"code": "123456", "minutes": "10"}}
    system = bearer(settings, "system", COUNTY, subject="monitoring")
    before = await _count(app, DirectSms)
    refused = [(bearer(settings, "county_admin", COUNTY), body, 403),
               (system, {**body, "params": {"code": "123456"}}, 422)]  # the template needs {minutes}
    for headers, json, status in refused:
        r = await client.post("/api/v1/direct-sms", json=json, headers=headers)
        assert r.status_code == status and r.headers["content-type"] == "application/problem+json", r.text
    assert await _count(app, DirectSms) == before
    first = await client.post("/api/v1/direct-sms", json=body, headers=system)
    again = await client.post("/api/v1/direct-sms", json=body, headers=system)
    assert (first.status_code, first.json()) == (202, {"ref": ref, "duplicate": False})
    assert (again.status_code, again.json()) == (202, {"ref": ref, "duplicate": True})
    async with app.state.sessions() as session:
        row = await session.get(DirectSms, uuid.UUID(ref))
    assert (row.template, row.requested_by) == ("otp", "monitoring") and await _count(app, DirectSms) == before + 1

