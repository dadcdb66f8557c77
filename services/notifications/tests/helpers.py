"""Small helpers for the notifications tests: directory setup, inbox polling, events as published."""

import uuid

from backstop_common.envelope import Event
from backstop_common.testing import bearer, eventually, make_event
from backstop_events.registry import HouseholdRegistered


def village(n: int) -> str:
    """A fresh village code per test so tests never see each other's recipients."""
    return f"211204{n // 1000 + 1:03d}{n % 1000:03d}"


def person(user_id: str, role: str, area: str, **kw) -> dict:
    return {"kind": "person", "user_id": user_id, "role": role, "area_code": area, **kw}


async def load(client, admin, *items) -> None:
    resp = await client.post("/api/v1/recipients/bulk", json={"items": list(items)}, headers=admin)
    assert resp.status_code == 200, resp.text


async def inbox(client, settings, user_id: str, role: str, area: str) -> dict:
    resp = await client.get("/api/v1/inbox", headers=bearer(settings, role, area, subject=user_id))
    assert resp.status_code == 200, resp.text
    return resp.json()


async def inbox_with(client, settings, user_id, role, area, event_id: uuid.UUID, timeout=15.0):
    async def check():
        body = await inbox(client, settings, user_id, role, area)
        return [m for m in body["items"] if m["event_id"] == str(event_id)]
    return await eventually(check, timeout=timeout)


def registered(household_id, vil: str, **fields) -> Event:
    """``household.registered`` as the registry publishes it (its model in ``backstop_events.registry``, which
    the consumer parses it with): the household read model takes its village and helpers."""
    fields = {"poverty_status": "lifted", "size": 1, "labour_capable_members": 1, **fields}
    data = HouseholdRegistered(household_id=household_id, village_code=vil, **fields)
    return make_event("registry", "household.registered", household_id, data.model_dump(mode="json"), area_code=vil)
