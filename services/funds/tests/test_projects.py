"""The project library: one stage at a time, the public notice's days, who and why, events on the topic."""

from datetime import timedelta

from sqlalchemy import select

from backstop_common.testing import bearer, read_events
from backstop_common.topics import FUNDS_FINANCE
from funds.models import Project
from tests.helpers import VILLAGE

ASSETS = [{"name": "光伏电站 100kW", "asset_type": "operational", "value": "300000.00", "owner_area_code": VILLAGE}]


async def declare(client, headers, **over):
    body = {"name": "村集体光伏电站", "project_type": "industry", "area_code": VILLAGE, "year": 2026,
            "budget": "300000.00", "reason": "村民代表大会决议"} | over
    resp = await client.post("/api/v1/projects", headers=headers, json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()


async def act(client, headers, project_id, action, **body):
    return await client.post(f"/api/v1/projects/{project_id}/{action}", headers=headers, json=body or None)


async def test_lifecycle_with_refusals_history_and_events(client, county, settings, clock):
    project = await declare(client, county)
    pid = project["id"]
    assert project["stage"] == "declared" and project["deadline"] == "2026-12-31"   # 当年资金当年支出

    skip = await act(client, county, pid, "list")
    assert skip.status_code == 409 and skip.headers["content-type"] == "application/problem+json"
    assert skip.json()["next_stage"] == "appraised"
    assert (await act(client, county, pid, "transition", to_stage="noticed")).status_code == 409

    assert (await act(client, county, pid, "appraise", reason="专家论证通过")).status_code == 200
    reverse = await act(client, county, pid, "transition", to_stage="declared")
    assert reverse.status_code == 409 and reverse.json()["detail"] == "项目不能从「论证」退回到「申报」；下一阶段为「公示」"
    english = await act(client, {**county, "Accept-Language": "en"}, pid, "transition", to_stage="declared")
    assert english.json()["detail"] == "cannot go back from Appraised to Declared; the next stage is Noticed"

    noticed = await act(client, county, pid, "post-notice", reason="公示 10 天")
    assert noticed.status_code == 200
    assert noticed.json()["notice_days"] == 10     # the seeded policy of 211204

    early = await act(client, county, pid, "list")
    assert early.status_code == 409 and "notice_ends_at" in early.json()
    clock.offset = timedelta(days=9, hours=23)
    try:
        assert (await act(client, county, pid, "list")).status_code == 409
        clock.offset = timedelta(days=10, minutes=1)
        listed = await act(client, county, pid, "list", reason="公示无异议")
        assert listed.status_code == 200, listed.text
        for action in ("implement", "accept"):
            assert (await act(client, county, pid, action)).status_code == 200
        no_assets = await act(client, county, pid, "hand-over")
        assert no_assets.status_code == 422
        done = await act(client, county, pid, "hand-over", assets=ASSETS, reason="移交村集体")
        assert done.status_code == 200, done.text
    finally:
        clock.offset = timedelta(0)
    assert done.json()["stage"] == "handed_over"
    assert (await act(client, county, pid, "transition", to_stage="accepted")).status_code == 409
    assert (await act(client, county, pid, "fly")).status_code == 422  # the action segment is an enum

    history = (await client.get(f"/api/v1/projects/{pid}/history", headers=county)).json()["items"]
    assert [h["to_stage"] for h in history] == ["declared", "appraised", "noticed", "listed", "implementing",
                                                "accepted", "handed_over"]
    assert history[1]["reason"] == "专家论证通过" and history[1]["actor"] == "county_admin@211204000000"

    trail = (await client.get(f"/api/v1/reports/projects/{pid}", headers=county)).json()
    assert [a["name"] for a in trail["assets"]] == ["光伏电站 100kW"]

    events = await read_events(settings.kafka_bootstrap_servers, FUNDS_FINANCE, until=lambda evs: len(evs) >= 7,
                               where=lambda e: e.subject == pid and e.name == "project.stage_changed")
    assert [(e.data["from_stage"], e.data["to_stage"]) for e in events] == [
        (None, "declared"), ("declared", "appraised"), ("appraised", "noticed"), ("noticed", "listed"),
        ("listed", "implementing"), ("implementing", "accepted"), ("accepted", "handed_over")]
    assert events[1].data["actor"] == {"user_id": "county_admin@211204000000", "role": "county_admin"}
    assert events[0].area_code == VILLAGE and events[0].data["project_type"] == "industry"


async def test_refusals_change_nothing_and_area_is_scoped(app, client, county, settings):
    pid = (await declare(client, county))["id"]
    other_village = bearer(settings, "village_cadre", "211204001002")
    assert (await client.get(f"/api/v1/projects/{pid}", headers=other_village)).status_code == 404
    township = bearer(settings, "township_staff", "211204002000")
    assert (await act(client, township, pid, "appraise")).status_code == 404
    outside = await client.post("/api/v1/projects", headers=township, json={
        "name": "x", "project_type": "road", "area_code": VILLAGE, "year": 2026, "budget": "1.00"})
    assert outside.status_code == 404
    bad = await client.post("/api/v1/projects", headers=county, json={
        "name": "x", "project_type": "spaceport", "area_code": VILLAGE, "year": 2026, "budget": "-1"})
    assert bad.status_code == 422 and bad.json()["errors"]
    stale = await client.post(f"/api/v1/projects/{pid}/appraise", headers=county | {"If-Match": "7"})
    assert stale.status_code == 409
    async with app.state.sessions() as session:
        row = (await session.execute(select(Project).where(Project.id == pid))).scalar_one()
    assert row.stage == "declared" and row.version == 1
