"""Events on the real topics reach the right inboxes, once, however often they are redelivered."""

import uuid

from backstop_common.testing import bearer, make_event, publish_events
from backstop_common.topics import FUNDS_FINANCE, MONITORING_CASE, REGISTRY_HOUSEHOLD

from .conftest import COUNTY
from .helpers import inbox, inbox_with, load, person, village
from .helpers import registered as registered_event


async def test_registry_household_then_monitoring_risk_reaches_helper_and_cadre(app, client, settings, admin):
    vil = village(101)
    helper, cadre, other = f"h-{uuid.uuid4().hex[:6]}", f"c-{uuid.uuid4().hex[:6]}", f"o-{uuid.uuid4().hex[:6]}"
    await load(client, admin, person(helper, "helper", vil), person(cadre, "village_cadre", vil),
               person(other, "helper", vil))
    household_id = uuid.uuid4()
    registered = registered_event(household_id, vil, poverty_status="lifted", helper_user_ids=[helper], size=3)
    await publish_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, [registered])
    assert await inbox_with(client, settings, helper, "helper", vil, registered.id)

    case_id = uuid.uuid4()
    risk = make_event("monitoring", "risk.detected", household_id, area_code=vil, data={
        "case_id": str(case_id), "household_id": str(household_id), "village_code": vil, "actor": None,
        "signal_id": str(uuid.uuid4()), "risk_type": "09", "rule": "dropout", "facts": {}, "source": "event"})
    await publish_events(settings.kafka_bootstrap_servers, MONITORING_CASE, [risk])
    to_helper = await inbox_with(client, settings, helper, "helper", vil, risk.id)
    to_cadre = await inbox_with(client, settings, cadre, "village_cadre", vil, risk.id)
    assert len(to_helper) == 1 and len(to_cadre) == 1
    assert "因学" in to_helper[0]["body_zh"] and to_helper[0]["urgent"] and to_helper[0]["needs_ack"]
    # the other village helper is not this household's helper
    assert not [m for m in (await inbox(client, settings, other, "helper", vil))["items"] if m["event_id"] == str(risk.id)]

    # the same event delivered again (and again) makes no second message
    await publish_events(settings.kafka_bootstrap_servers, MONITORING_CASE, [risk, risk])
    marker = make_event("monitoring", "case.opened", case_id, area_code=vil, data={
        "case_id": str(case_id), "household_id": str(household_id), "village_code": vil, "actor": None,
        "risk_types": ["09"], "source": "event", "stage": "verify", "due_at": "2026-12-01T00:00:00+08:00"})
    await publish_events(settings.kafka_bootstrap_servers, MONITORING_CASE, [marker])
    assert await inbox_with(client, settings, cadre, "village_cadre", vil, marker.id)  # consumer got past the copies
    resp = await client.get("/api/v1/messages", params={"event_id": str(risk.id)},
                            headers=bearer(settings, "county_staff", COUNTY))
    assert resp.status_code == 200
    assert resp.json()["total"] == 2  # helper + cadre, once each

    body = await inbox(client, settings, cadre, "village_cadre", vil)
    unread = body["unread"]
    read = await client.post(f"/api/v1/inbox/{to_cadre[0]['id']}/read",
                             headers=bearer(settings, "village_cadre", vil, subject=cadre))
    assert read.status_code == 200 and read.json()["read_at"]
    assert (await inbox(client, settings, cadre, "village_cadre", vil))["unread"] == unread - 1
    # someone else cannot read it
    stranger = await client.post(f"/api/v1/inbox/{to_cadre[0]['id']}/read",
                                 headers=bearer(settings, "helper", vil, subject=helper))
    assert stranger.status_code == 404


async def test_messages_are_scoped_to_the_callers_area(client, settings):
    resp = await client.get("/api/v1/messages", headers=bearer(settings, "township_staff", "211204999000"))
    assert resp.status_code == 200 and resp.json()["total"] == 0


async def test_assistance_plan_reaches_each_responsible_unit(client, settings, admin):
    vil = village(102)
    officer = f"edu-{uuid.uuid4().hex[:6]}"
    await load(client, admin, {"kind": "person", "user_id": officer, "role": "department", "unit": "education",
                               "area_code": COUNTY})
    case_id = uuid.uuid4()
    planned = make_event("monitoring", "case.assistance_planned", case_id, area_code=vil, data={
        "case_id": str(case_id), "household_id": str(uuid.uuid4()), "village_code": vil, "actor": None,
        "measures": [{"measure_type": "education", "responsible_unit": "education", "helper_user_id": None},
                     {"measure_type": "health", "responsible_unit": "health", "helper_user_id": None}],
        "due_at": "2026-12-31T00:00:00+08:00"})
    await publish_events(settings.kafka_bootstrap_servers, MONITORING_CASE, [planned])
    [message] = await inbox_with(client, settings, officer, "department", COUNTY, planned.id)
    assert "落实截止2026年12月31日。" in message["body_zh"]  # the due day as the county reads it


async def test_finance_anomaly_reaches_county_office_and_auditor(client, settings, admin):
    staff, auditor = f"cs-{uuid.uuid4().hex[:6]}", f"au-{uuid.uuid4().hex[:6]}"
    await load(client, admin, person(staff, "county_staff", COUNTY), person(auditor, "auditor", COUNTY))
    anomaly_id = uuid.uuid4()
    event = make_event("funds", "finance.anomaly_detected", anomaly_id, area_code="211204001005", data={
        "anomaly_id": str(anomaly_id), "kind": "duplicate_payment", "area_code": "211204001005",
        "household_id": str(uuid.uuid4()), "project_id": None, "payment_id": str(uuid.uuid4()),
        "amount": "1000.00", "detail": "same subsidy twice"})
    await publish_events(settings.kafka_bootstrap_servers, FUNDS_FINANCE, [event])
    [to_staff] = await inbox_with(client, settings, staff, "county_staff", COUNTY, event.id)
    [to_auditor] = await inbox_with(client, settings, auditor, "auditor", COUNTY, event.id)
    assert to_staff["urgent"] and to_staff["needs_ack"]
    assert not to_auditor["needs_ack"]  # read-only: informed, never expected to acknowledge
    assert "重复发放" in to_auditor["body_zh"]


async def test_a_finance_anomaly_resolved_tells_the_county_office_why(client, settings, admin):
    staff = f"cs-{uuid.uuid4().hex[:6]}"
    await load(client, admin, person(staff, "county_staff", COUNTY))
    anomaly_id, late = uuid.uuid4(), uuid.uuid4()
    event = make_event("funds", "finance.anomaly_resolved", anomaly_id, area_code="211204001005", data={
        "anomaly_id": str(anomaly_id), "kind": "unknown_beneficiary", "area_code": "211204001005",
        "household_id": str(uuid.uuid4()), "reason": f"登记数据已到达（事件 {late}）", "event_id": str(late)})
    await publish_events(settings.kafka_bootstrap_servers, FUNDS_FINANCE, [event])
    [to_staff] = await inbox_with(client, settings, staff, "county_staff", COUNTY, event.id)
    assert "收款人不在册" in to_staff["body_zh"] and str(late) in to_staff["body_zh"]
    assert not to_staff["urgent"]


async def test_risk_consumed_before_its_household_still_reaches_the_helper(client, settings, admin):
    """Across topics there is no order: the household may arrive after the risk that follows it."""
    vil = village(103)
    helper, cadre = f"h-{uuid.uuid4().hex[:6]}", f"c-{uuid.uuid4().hex[:6]}"
    await load(client, admin, person(helper, "helper", vil), person(cadre, "village_cadre", vil))
    household_id = uuid.uuid4()
    risk = make_event("monitoring", "risk.detected", household_id, area_code=vil, data={
        "case_id": str(uuid.uuid4()), "household_id": str(household_id), "village_code": vil, "actor": None,
        "signal_id": str(uuid.uuid4()), "risk_type": "07", "rule": "job", "facts": {}, "source": "event"})
    await publish_events(settings.kafka_bootstrap_servers, MONITORING_CASE, [risk])
    assert await inbox_with(client, settings, cadre, "village_cadre", vil, risk.id)  # the cadre at once
    registered = registered_event(household_id, vil, helper_user_ids=[helper])
    await publish_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, [registered])
    [late] = await inbox_with(client, settings, helper, "helper", vil, risk.id)  # the helper once it is known
    assert late["needs_ack"] and "因务工就业不稳" in late["body_zh"]
    resp = await client.get("/api/v1/messages", params={"event_id": str(risk.id)},
                            headers=bearer(settings, "county_staff", COUNTY))
    assert resp.json()["total"] == 2  # the cadre still has exactly one
