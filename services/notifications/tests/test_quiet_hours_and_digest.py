"""Non-urgent SMS: deferred past quiet hours, and batched into one evening digest beyond the daily threshold."""

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from backstop_common.testing import bearer, eventually, make_event, publish_events
from backstop_common.topics import REGISTRY_HOUSEHOLD

from .conftest import COUNTY
from .helpers import inbox_with, load, person, registered, village


async def _sms_rule(client, admin, area_prefix: str):
    resp = await client.post("/api/v1/routing-rules", headers=admin, json={
        "name": f"member.added.sms-{area_prefix}", "event_type": "member.added", "area_prefix": area_prefix,
        "targets": [{"kind": "helpers"}], "channels": ["sms"],
        "template_zh": "农户新增成员，现{size}人。", "template_en": "Member added; size {size}."})
    assert resp.status_code == 201, resp.text


async def _household(client, settings, vil: str, helper: str) -> str:
    household_id = uuid.uuid4()
    event = registered(household_id, vil, helper_user_ids=[helper])
    await publish_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, [event])
    assert await inbox_with(client, settings, helper, "helper", vil, event.id)
    return str(household_id)


def _added(vil: str, household_id: str, size: int):
    return make_event("registry", "member.added", household_id, area_code=vil, data={
        "household_id": household_id, "village_code": vil, "member_id": str(uuid.uuid4()),
        "relation": "child", "sex": "F", "birth_year": 2026, "size": size})


async def _sms_of(client, settings, event_id) -> list[dict]:
    resp = await client.get("/api/v1/messages", params={"event_id": str(event_id)},
                            headers=bearer(settings, "county_staff", COUNTY))
    return [d for m in resp.json()["items"] for d in m["deliveries"] if d["channel"] == "sms"]


async def test_beyond_the_threshold_sms_wait_for_one_digest(client, settings, admin, clock):
    vil = village(880)
    helper = f"h-{uuid.uuid4().hex[:6]}"
    await _sms_rule(client, admin, vil)
    await load(client, admin, person(helper, "helper", vil, phone="13700000001", channels=["sms"]))
    household_id = await _household(client, settings, vil, helper)
    events = [_added(vil, household_id, size) for size in range(2, 8)]  # six in one day, threshold 3
    await publish_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, events)
    await inbox_with(client, settings, helper, "helper", vil, events[-1].id)

    async def states():
        return [(await _sms_of(client, settings, e.id))[0] for e in events]
    first = await eventually(lambda: _all_sent(states, 3), timeout=15)
    assert [d["status"] for d in first] == ["sent"] * 3 + ["held"] * 3

    clock.advance(timedelta(hours=25))  # past the evening digest hour
    after = await eventually(lambda: _all_sent(states, 6), timeout=15)
    digests = {d["digest_id"] for d in after[3:]}
    assert len(digests) == 1 and None not in digests  # the three held went out as ONE SMS


async def _all_sent(states, n):
    current = await states()
    return current if sum(d["status"] == "sent" for d in current) >= n else None


async def test_non_urgent_sms_waits_for_the_end_of_quiet_hours(client, settings, admin, clock):
    vil = village(881)
    helper = f"h-{uuid.uuid4().hex[:6]}"
    zone = ZoneInfo(settings.timezone)
    local = clock().astimezone(zone)
    start, end = (local - timedelta(hours=1)).time().replace(second=0, microsecond=0), \
        (local + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    await _sms_rule(client, admin, vil)
    await load(client, admin, person(helper, "helper", vil, phone="13700000002", channels=["sms"],
                                     quiet_start=start.isoformat(), quiet_end=end.isoformat()))
    household_id = await _household(client, settings, vil, helper)
    event = _added(vil, household_id, 4)
    await publish_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, [event])
    await inbox_with(client, settings, helper, "helper", vil, event.id)
    [sms] = await eventually(lambda: _sms_of(client, settings, event.id))
    assert sms["status"] == "pending"
    due = datetime.fromisoformat(sms["next_attempt_at"]).astimezone(zone)
    assert due.time() == end and due > local and isinstance(start, time)

    clock.advance(timedelta(hours=3))

    async def sent():
        [d] = await _sms_of(client, settings, event.id)
        return d if d["status"] == "sent" else None
    assert await eventually(sent, timeout=15)
