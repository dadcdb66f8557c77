"""Feeding registry and monitoring events onto the real topics, and waiting for the read model."""

import uuid
from decimal import Decimal

from sqlalchemy import select

from backstop_common.testing import eventually, make_event, publish_events
from backstop_common.topics import REGISTRY_HOUSEHOLD
from backstop_events import monitoring as monitoring_events
from backstop_events import registry as registry_events
from funds.models import HouseholdFact, MemberFact

VILLAGE = "211204001001"
OTHER_VILLAGE = "211204002001"      # another township of the county
OTHER_COUNTY_VILLAGE = "211282001001"


def registry(name: str, household_id, village: str, **data):
    """A ``registry.household`` event as the registry publishes it (built with its backstop_events model)."""
    payload = registry_events.catalog.entry(name).model(household_id=household_id, village_code=village, **data)
    return make_event("registry", name, household_id, payload.model_dump(mode="json"), area_code=village)


def monitoring(name: str, case_id, household_id, village: str, **data):
    """A ``monitoring.case`` event as monitoring publishes it (built with its backstop_events model)."""
    payload = monitoring_events.catalog.entry(name).model(case_id=case_id, household_id=household_id,
                                                          village_code=village, **data)
    return make_event("monitoring", name, case_id, payload.model_dump(mode="json"), area_code=village)


async def feed(settings, topic: str, *events) -> None:
    await publish_events(settings.kafka_bootstrap_servers, topic, list(events))


async def wait_for(app, check):
    async def probe():
        async with app.state.sessions() as session:
            return await check(session)
    result = await eventually(probe)
    assert result, "the consumer did not apply the events in time"
    return result


async def household(app, settings, *, village: str = VILLAGE, grade: str | None = "D", dibao: bool = False,
                    members: list[dict] | None = None) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Register a household with members through registry events; returns (household_id, member_ids)."""
    hid = uuid.uuid4()
    events = [registry("household.registered", hid, village, poverty_status="lifted", year_lifted=2019,
                       dibao=dibao, tekun=False, size=len(members or []), labour_capable_members=1,
                       per_capita_income="8000.00", housing_grade=grade, safe_water=True, uninsured_members=0,
                       dropout_members=0, tags=[], main_cause=None, helper_user_ids=[])]
    member_ids = []
    for spec in members or []:
        mid = uuid.uuid4()
        member_ids.append(mid)
        events.append(registry("member.added", hid, village, member_id=str(mid), relation="child", sex="F",
                               birth_year=2012, size=len(members)))
        if "stage" in spec:
            events.append(registry("member.schooling_changed", hid, village, member_id=str(mid),
                                   stage=spec["stage"], status="enrolled", previous_status=None, age=14,
                                   boarding=spec.get("boarding", False)))
        if "oop" in spec:
            events.append(registry("member.health_changed", hid, village, member_id=str(mid), health="chronic",
                                   previous_health="healthy", disability_grade=0,
                                   medical_out_of_pocket=spec["oop"], year=spec.get("year", 2026)))
    await feed(settings, REGISTRY_HOUSEHOLD, *events)

    async def applied(session):
        row = await session.get(HouseholdFact, hid)
        if row is None or not row.registered:
            return False
        members_seen = (await session.execute(select(MemberFact).where(MemberFact.household_id == hid))).scalars().all()
        if len(members_seen) < len(member_ids):
            return False
        return all(m.updated_at for m in members_seen) and all(
            ("stage" not in s or m.schooling_stage) and ("oop" not in s or m.medical_out_of_pocket is not None)
            for s, m in zip(members or [], sorted(members_seen, key=lambda m: member_ids.index(m.id))))
    await wait_for(app, applied)
    return hid, member_ids


async def allocation(client, headers, *, amount="100000.00", area="211204000000", source="linkage",
                     year=2026, purpose="衔接资金 2026") -> dict:
    resp = await client.post("/api/v1/allocations", headers=headers, json={
        "source": source, "year": year, "purpose": purpose, "amount": amount, "area_code": area})
    assert resp.status_code == 201, resp.text
    return resp.json()


async def anomalies(client, headers, **params) -> list[dict]:
    resp = await client.get("/api/v1/anomalies", headers=headers, params={"limit": 500, **params})
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


def money(value) -> Decimal:
    return Decimal(str(value))
