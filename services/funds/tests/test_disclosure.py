"""Every allocation and every project arrangement is a public notice (seed 004: 分配结果一律公开; seed 001:
扶贫公告公示制度), readable without an account, with its dates and without personal data."""

from datetime import UTC, datetime, timedelta

from tests.helpers import allocation, household
from tests.test_projects import act, declare

NOTICE_VILLAGE = "211204101203"


async def public(client, **params):
    resp = await client.get("/api/v1/public/notices", params={"limit": 500, **params})
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


async def test_allocations_and_project_arrangements_are_public_with_their_dates(app, client, county, settings):
    before = datetime.now(UTC) - timedelta(seconds=1)
    alloc = await allocation(client, county, amount="880000.00", area=NOTICE_VILLAGE, source="central",
                             purpose="2026年中央衔接资金（产业）")
    pid = (await declare(client, county, name="食用菌大棚", area_code=NOTICE_VILLAGE, budget="150000.00"))["id"]
    hid, _ = await household(app, settings, village=NOTICE_VILLAGE)
    added = await client.post(f"/api/v1/projects/{pid}/beneficiaries", headers=county,
                              json={"household_id": str(hid), "benefit": "job"})
    assert added.status_code == 201, added.text
    assert (await act(client, county, pid, "appraise")).status_code == 200
    assert not [n for n in await public(client, area_code=NOTICE_VILLAGE) if n["kind"] == "project_arrangement"]
    posted = await act(client, county, pid, "post-notice")
    assert posted.status_code == 200

    notices = await public(client, area_code=NOTICE_VILLAGE, since=before.isoformat())
    by_kind = {n["kind"]: n for n in notices}
    money = by_kind["allocation"]
    assert money["subject_id"] == alloc["id"] and money["content"]["amount"] == "880000.00"
    assert money["content"]["source"] == "central" and "中央" in money["title"]
    assert money["published_at"] and money["content"]["allocated_on"] == alloc["created_at"][:10]
    plan = by_kind["project_arrangement"]
    assert plan["subject_id"] == pid and plan["content"]["budget"] == "150000.00"
    assert plan["content"]["beneficiary_households"] == 1
    ends = datetime.fromisoformat(plan["notice_ends_at"])
    assert ends == datetime.fromisoformat(posted.json()["notice_ends_at"])
    assert ends - datetime.fromisoformat(plan["published_at"]) == timedelta(days=plan["content"]["notice_days"])
    text = str(notices)
    assert str(hid) not in text and "county_admin" not in text          # no households, no officials
    assert await public(client, area_code="211204102000", kind="allocation", since=before.isoformat()) == []
    assert [n["kind"] for n in await public(client, area_code=NOTICE_VILLAGE, kind="allocation",
                                            since=before.isoformat())] == ["allocation"]


async def test_the_public_route_is_rate_limited_and_refuses_a_naive_time(app, client):
    assert (await client.get("/api/v1/public/notices", params={"since": "2026-01-01T00:00:00"})).status_code == 422
    settings = app.state.settings
    limit, settings.public_rate_per_minute = settings.public_rate_per_minute, 3
    app.state.public_limiter = None
    try:
        codes = [(await client.get("/api/v1/public/notices")).status_code for _ in range(4)]
        refused = await client.get("/api/v1/public/notices")
    finally:
        settings.public_rate_per_minute = limit
        app.state.public_limiter = None
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    assert int(refused.headers["Retry-After"]) >= 1
    spec = (await client.get("/openapi.json")).json()["paths"]["/api/v1/public/notices"]["get"]
    assert spec["security"] == [] and spec["x-public"] is True
