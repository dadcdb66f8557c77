"""Escalation exactly once (moved clock, no sleeping), and channel outcomes published as notification.*."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from backstop_common.testing import bearer, make_event, publish_events, read_events
from backstop_common.topics import MONITORING_CAMPAIGN, MONITORING_CASE, NOTIFICATIONS_DELIVERY, REGISTRY_HOUSEHOLD

from notifications.models import Attempt, Delivery

from .conftest import COUNTY
from .helpers import inbox, inbox_with, load, person, village
from .helpers import registered as registered_event
from .http_receiver import Receiver


def _risk(vil: str, household_id: uuid.UUID):
    return make_event("monitoring", "risk.detected", household_id, area_code=vil, data={
        "case_id": str(uuid.uuid4()), "household_id": str(household_id), "village_code": vil, "actor": None,
        "signal_id": str(uuid.uuid4()), "risk_type": "0201", "rule": "disaster", "facts": {},
        "source": "event", "helper_user_ids": []})


async def test_unacknowledged_risk_is_escalated_to_the_township_exactly_once(client, settings, admin, clock):
    vil = village(777)
    township = vil[:9] + "000"
    cadre, office = (f"{p}-{uuid.uuid4().hex[:6]}" for p in ("cadre", "town"))
    await load(client, admin, person(cadre, "village_cadre", vil), person(office, "township_staff", township))
    event = _risk(vil, uuid.uuid4())
    await publish_events(settings.kafka_bootstrap_servers, MONITORING_CASE, [event])
    [original] = await inbox_with(client, settings, cadre, "village_cadre", vil, event.id)
    assert original["needs_ack"] and original["ack_due_at"]
    assert not [m for m in (await inbox(client, settings, office, "township_staff", township))["items"]
                if m["event_id"] == str(event.id)]

    clock.advance(timedelta(hours=49))  # past the 48-hour acknowledgement deadline
    escalated = await inbox_with(client, settings, office, "township_staff", township, event.id)
    assert len(escalated) == 1 and escalated[0]["escalated_from_id"] == original["id"]
    assert escalated[0]["body_zh"].startswith("【逾期未处理，升级】")

    clock.advance(timedelta(hours=100))  # more ticks and more time change nothing
    events = await read_events(settings.kafka_bootstrap_servers, NOTIFICATIONS_DELIVERY, until=lambda evs: False,
                               timeout=3, where=lambda e: e.data.get("event_id") == str(event.id)
                               and e.type.endswith("notification.escalated.v1"))
    assert len(events) == 1
    assert events[0].data["from_recipient_id"] == original["recipient_id"]
    assert events[0].data["level_area"] == township and len(events[0].data["to_recipient_ids"]) == 1
    assert events[0].subject == original["id"]
    assert len([m for m in (await inbox(client, settings, office, "township_staff", township))["items"]
                if m["event_id"] == str(event.id)]) == 1


async def test_read_in_time_is_not_escalated(client, settings, admin, clock):
    vil = village(778)
    cadre = f"cadre-{uuid.uuid4().hex[:6]}"
    await load(client, admin, person(cadre, "village_cadre", vil), person(f"t-{cadre}", "township_staff", vil[:9] + "000"))
    event = _risk(vil, uuid.uuid4())
    await publish_events(settings.kafka_bootstrap_servers, MONITORING_CASE, [event])
    [message] = await inbox_with(client, settings, cadre, "village_cadre", vil, event.id)
    resp = await client.post(f"/api/v1/inbox/{message['id']}/read", headers=bearer(settings, "village_cadre", vil, subject=cadre))
    assert resp.status_code == 200
    clock.advance(timedelta(hours=49))
    later = _risk(vil, uuid.uuid4())  # a later message, unread: its escalation proves the dispatcher ran
    await publish_events(settings.kafka_bootstrap_servers, MONITORING_CASE, [later])
    await inbox_with(client, settings, cadre, "village_cadre", vil, later.id)
    clock.advance(timedelta(hours=49))
    await inbox_with(client, settings, f"t-{cadre}", "township_staff", vil[:9] + "000", later.id)
    town = (await inbox(client, settings, f"t-{cadre}", "township_staff", vil[:9] + "000"))["items"]
    assert not [m for m in town if m["event_id"] == str(event.id)]


async def test_sms_delivered_and_a_failing_group_robot_retried_then_failed(app, client, settings, admin):
    vil = village(779)
    with Receiver(500) as robot:
        helper = f"h-{uuid.uuid4().hex[:6]}"
        await load(client, admin,
                   person(helper, "helper", vil, phone="13900001111", channels=["sms"]),
                   {"kind": "unit", "unit": "health", "area_code": COUNTY, "group_webhook_url": robot.url,
                    "channels": ["group"]})
        household_id = uuid.uuid4()
        registered = registered_event(household_id, vil, helper_user_ids=[helper])
        await publish_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, [registered])
        assert await inbox_with(client, settings, helper, "helper", vil, registered.id)  # read model is fed
        risk = _risk(vil, household_id)
        problem = make_event("monitoring", "problem.overdue", uuid.uuid4(), area_code=vil, data={
            "problem_id": str(uuid.uuid4()), "campaign_id": str(uuid.uuid4()), "check": "housing",
            "household_id": None, "village_code": vil, "responsible_unit": "health", "due_at": "2026-11-01",
            "status": "overdue", "actor": None})
        await publish_events(settings.kafka_bootstrap_servers, MONITORING_CASE, [risk])
        await publish_events(settings.kafka_bootstrap_servers, MONITORING_CAMPAIGN, [problem])

        def wanted(e):
            return e.data.get("event_id") in (str(risk.id), str(problem.id))
        found = await read_events(settings.kafka_bootstrap_servers, NOTIFICATIONS_DELIVERY, where=wanted, timeout=20,
                                  until=lambda evs: {e.type.split(".")[-2] for e in evs} >= {"delivered", "failed"})
        delivered = [e for e in found if e.type.endswith("notification.delivered.v1")]
        failed = [e for e in found if e.type.endswith("notification.failed.v1")]
        assert delivered and delivered[0].data["channel"] == "sms" and delivered[0].data["event_id"] == str(risk.id)
        assert failed and failed[0].data["channel"] == "group" and failed[0].data["attempts"] == settings.delivery_max_attempts
        assert failed[0].data["error"] == "answered HTTP 500"
        assert len(robot.requests) == settings.delivery_max_attempts
        for e in found:  # no phone in any event
            assert "13900001111" not in str(e.data)

    resp = await client.get("/api/v1/messages", params={"event_id": str(problem.id)},
                            headers=bearer(settings, "county_staff", COUNTY))
    [message] = [m for m in resp.json()["items"] if m["deliveries"]]  # the unit's; township staff has only the inbox
    assert message["deliveries"][0]["status"] == "failed" and message["deliveries"][0]["attempts"] == 3
    async with app.state.sessions() as session:  # each attempt is on record
        attempts = (await session.execute(
            select(Attempt).join(Delivery, Delivery.id == Attempt.delivery_id)
            .where(Delivery.message_id == uuid.UUID(message["id"])).order_by(Attempt.number))).scalars().all()
    assert [(a.number, a.ok, a.error) for a in attempts] == [(n, False, "answered HTTP 500") for n in (1, 2, 3)]
