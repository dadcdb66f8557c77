"""Offline sync of the household list (issue 14): what changed since the phone's cursor, tombstones included."""

import uuid

from backstop_common.sync import Cursor
from backstop_common.testing import eventually
from tests.factory import auth, household, member

VILLAGE, ELSEWHERE = "211204002001", "211204001001"


async def _sync_all(client, headers: dict, cursor: str | None = None) -> tuple[list, list, str]:
    items, removed = [], []
    while True:
        params = {"limit": 2} | ({"changed_since": cursor} if cursor else {})
        resp = await client.get("/api/v1/sync/households", params=params, headers=headers)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        items, removed, cursor = items + body["items"], removed + body["removed"], body["next"]
        if not body["more"]:
            return items, removed, cursor


async def _until(client, headers: dict, cursor: str | None, done) -> tuple[list, list, str]:
    """Sync again until ``done(items, removed)``: a write shows once every transaction older than it has ended
    (the outbox relay's, for one), so a phone may see it a moment later."""
    items, removed = [], []

    async def check():
        nonlocal cursor
        more_items, more_removed, cursor = await _sync_all(client, headers, cursor)
        items.extend(more_items)
        removed.extend(more_removed)
        return done(items, removed)

    assert await eventually(check, timeout=20), (items, removed)
    return items, removed, cursor


async def test_the_next_sync_returns_the_new_household_and_a_tombstone_for_the_one_that_moved(client, settings):
    cadre, admin = auth(settings, area=VILLAGE), auth(settings, role="county_admin", area="211204000000")
    staying, leaving = [(await client.post("/api/v1/households", json=household(VILLAGE, member()),
                                           headers=admin)).json() for _ in range(2)]
    items, removed, cursor = await _until(client, cadre, None, lambda items, _: {staying["id"], leaving["id"]} <= {
        row["id"] for row in items})
    assert removed == []
    assert all(row["village_code"] == VILLAGE for row in items)

    moved = await client.patch(f"/api/v1/households/{leaving['id']}", json={"village_code": ELSEWHERE},
                               headers=admin | {"If-Match": str(leaving["version"])})
    assert moved.status_code == 200, moved.text
    new = (await client.post("/api/v1/households", json=household(VILLAGE, member()), headers=cadre)).json()

    items, removed, cursor = await _until(client, cadre, cursor, lambda items, removed: items and removed)
    assert [row["id"] for row in items] == [new["id"]]
    assert [(r["id"], r["reason"]) for r in removed] == [(leaving["id"], "moved_out")]
    there, _, _ = await _sync_all(client, auth(settings, area=ELSEWHERE))
    assert leaving["id"] in {row["id"] for row in there}


async def test_a_cursor_it_did_not_give_out_is_a_422_in_chinese(client, settings):
    for cursor in ("not-a-cursor", Cursor(5, uuid.uuid4()).encode("cases")):
        resp = await client.get("/api/v1/sync/households", params={"changed_since": cursor}, headers=auth(settings))
        assert resp.status_code == 422 and resp.headers["content-type"] == "application/problem+json"
        assert "同步游标" in resp.json()["detail"] and resp.json()["errors"][0]["loc"] == ["query", "changed_since"]


async def test_tombstones_past_their_retention_are_purged_and_an_older_cursor_is_told_to_sync_again(
        app, client, settings):
    """Tombstones are kept ``sync_tombstone_retention_days`` (90); the purge deletes older ones, and a phone whose
    cursor is from before them gets 410 in Chinese (it may have missed a removal), never a silent gap."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from backstop_common.sync_queries import WATERMARK, purge_once
    from backstop_common.sync_schema import Tombstone

    cadre, admin = auth(settings, area=VILLAGE), auth(settings, role="county_admin", area="211204000000")
    leaving = (await client.post("/api/v1/households", json=household(VILLAGE, member()), headers=admin)).json()
    _, _, before = await _until(client, cadre, None, lambda items, _: leaving["id"] in {r["id"] for r in items})
    moved = await client.patch(f"/api/v1/households/{leaving['id']}", json={"village_code": ELSEWHERE},
                               headers=admin | {"If-Match": str(leaving["version"])})
    assert moved.status_code == 200, moved.text
    _, removed, after = await _until(client, cadre, before, lambda _, removed: removed)
    assert [r["id"] for r in removed] == [leaving["id"]]

    async def tombstones() -> int:
        async with app.state.sessions() as session:
            return (await session.execute(select(func.count()).select_from(Tombstone).where(
                ~Tombstone.list.startswith(WATERMARK)))).scalar_one()

    now, days = datetime.now(UTC), settings.sync_tombstone_retention_days
    assert days == 90 and await tombstones() >= 1
    assert await purge_once(app, now + timedelta(days=days - 1)) == 0  # still within the retention: kept
    resp = await client.get("/api/v1/sync/households", params={"changed_since": before}, headers=cadre)
    assert resp.status_code == 200 and [r["id"] for r in resp.json()["removed"]] == [leaving["id"]]

    assert await purge_once(app, now + timedelta(days=days + 1)) >= 1
    assert await tombstones() == 0
    expired = await client.get("/api/v1/sync/households", params={"changed_since": before}, headers=cadre)
    assert expired.status_code == 410 and expired.headers["content-type"] == "application/problem+json"
    problem = expired.json()
    assert problem["reason"] == "sync_cursor_expired" and problem["retention_days"] == 90
    assert "全量同步" in problem["detail"] and problem["title"] == "同步游标已过期"
    english = await client.get("/api/v1/sync/households", params={"changed_since": before},
                               headers=cadre | {"Accept-Language": "en"})
    assert english.status_code == 410 and "full sync" in english.json()["detail"]
    # a cursor taken after the purged removal is still good, and a full sync always is
    for params in ({"changed_since": after}, {}):
        resp = await client.get("/api/v1/sync/households", params=params, headers=cadre)
        assert resp.status_code == 200, resp.text
        assert leaving["id"] not in {r["id"] for r in resp.json()["removed"]}
