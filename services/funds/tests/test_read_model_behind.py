"""Deciding on the registry's data held as a read model: "not arrived yet" is not "unknown", and a late
arrival closes what was flagged."""

import uuid

import asyncpg

from backstop_common.db import plain_url
from backstop_common.testing import eventually, read_events
from backstop_common.topics import FUNDS_FINANCE, REGISTRY_HOUSEHOLD
from tests.helpers import VILLAGE, allocation, anomalies, feed, registry
from tests.test_subsidies import pay


def _registered(hid, member_id=None):
    listed = [] if member_id is None else [{
        "member_id": str(member_id), "relation": "之子", "sex": "male", "birth_year": 2012, "health": "healthy",
        "disability_grade": 0, "labour_capacity": "none", "schooling_stage": "junior", "schooling_status": "enrolled",
        "boarding": False, "medical_insurance": True}]
    return registry("household.registered", hid, VILLAGE, poverty_status="lifted", year_lifted=2019, dibao=False,
                    tekun=False, size=len(listed), labour_capable_members=1, per_capita_income="8000.00",
                    housing_grade="D", safe_water=True, uninsured_members=0, dropout_members=0, tags=[],
                    main_cause=None, helper_user_ids=[], members=listed)


async def _position(client) -> dict:
    return (await client.get("/_ops/position")).json()["consumer"]


async def test_a_household_whose_registration_is_still_on_its_way_is_not_called_unknown(app, client, county,
                                                                                          settings):
    alloc = await allocation(client, county, amount="90000.00")
    hid = uuid.uuid4()
    holder = await asyncpg.connect(plain_url(settings.database_url))
    try:
        tx = holder.transaction()
        await tx.start()
        await holder.execute("LOCK TABLE members IN ACCESS EXCLUSIVE MODE")  # the consumer stalls on it
        await feed(settings, REGISTRY_HOUSEHOLD, _registered(hid, uuid.uuid4()))

        async def behind():
            return (await _position(client))["lag"]
        assert await eventually(behind)
        early = await pay(client, county, alloc, hid, "housing_renovation")
        assert early.status_code == 503, early.text
        assert early.headers["content-type"].startswith("application/problem+json")
        assert int(early.headers["Retry-After"]) > 0 and "尚未同步" in early.json()["detail"]
        await tx.rollback()
    finally:
        await holder.close()

    async def paid():
        resp = await pay(client, county, alloc, hid, "housing_renovation")
        return resp if resp.status_code != 503 else None
    assert (await eventually(paid)).status_code == 201
    assert await anomalies(client, county, kind="unknown_beneficiary", household_id=str(hid)) == []


async def test_an_unknown_beneficiary_is_closed_when_the_registry_event_arrives_late(app, client, county, settings):
    alloc = await allocation(client, county, amount="90000.00")
    hid, pupil = uuid.uuid4(), uuid.uuid4()

    async def caught_up():
        return (await _position(client))["caught_up"]
    assert await eventually(caught_up)
    refused = await pay(client, county, alloc, hid, "education", member=pupil)
    assert refused.status_code == 422, refused.text           # caught up, and the registry never said so
    (flagged,) = await anomalies(client, county, kind="unknown_beneficiary", household_id=str(hid))
    assert flagged["resolved_at"] is None

    late = _registered(hid, pupil)                            # e.g. held in the registry's outbox by an outage
    await feed(settings, REGISTRY_HOUSEHOLD, late)

    async def resolved():
        (found,) = await anomalies(client, county, kind="unknown_beneficiary", household_id=str(hid))
        return found if found["resolved_at"] else None
    closed = await eventually(resolved)
    assert closed["resolved_by_event"] == str(late.id) and str(late.id) in closed["resolution"]
    events = await read_events(settings.kafka_bootstrap_servers, FUNDS_FINANCE, lambda found: bool(found),
                               where=lambda e: e.type.endswith("finance.anomaly_resolved.v1")
                               and e.data["anomaly_id"] == flagged["id"])
    assert events[0].data["event_id"] == str(late.id) and events[0].data["household_id"] == str(hid)
    assert (await pay(client, county, alloc, hid, "education", member=pupil)).status_code == 201
