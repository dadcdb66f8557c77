"""Safe retries (issue 14): a POST repeated with its Idempotency-Key is answered once, on real PostgreSQL."""

import asyncio
import uuid

from sqlalchemy import text

from tests.factory import auth, household, member

VILLAGE = "211204001002"


async def _count(app) -> tuple[int, int]:
    async with app.state.engine.connect() as conn:
        households = (await conn.execute(text("SELECT count(*) FROM households"))).scalar_one()
        events = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
    return households, events


async def test_a_repeat_returns_the_first_answer_and_changes_nothing(app, client, settings):
    body, key = household(VILLAGE, member()), str(uuid.uuid4())
    headers = auth(settings, area=VILLAGE) | {"Idempotency-Key": key}
    first = await client.post("/api/v1/households", json=body, headers=headers)
    assert first.status_code == 201, first.text
    after_first = await _count(app)
    again = await client.post("/api/v1/households", json=body, headers=headers)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert await _count(app) == after_first
    other = body | {"poverty_status": "never_poor", "year_lifted": None}
    refused = await client.post("/api/v1/households", json=other, headers=headers)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert key in refused.json()["detail"] and await _count(app) == after_first


async def test_concurrent_repeats_create_once(app, client, settings):
    body, headers = household(VILLAGE, member()), auth(settings, area=VILLAGE) | {"Idempotency-Key": "visit-42"}
    before = await _count(app)
    answers = await asyncio.gather(*[client.post("/api/v1/households", json=body, headers=headers)
                                     for _ in range(3)])
    assert {a.status_code for a in answers} == {201} and len({a.json()["id"] for a in answers}) == 1
    assert (await _count(app))[0] == before[0] + 1


async def test_a_refused_request_stores_nothing_and_keys_belong_to_their_caller(app, client, settings):
    key = str(uuid.uuid4())
    headless = household(VILLAGE, member("配偶"))
    cadre = auth(settings, area=VILLAGE) | {"Idempotency-Key": key}
    assert (await client.post("/api/v1/households", json=headless, headers=cadre)).status_code == 422
    fixed = household(VILLAGE, member())
    assert (await client.post("/api/v1/households", json=fixed, headers=cadre)).status_code == 201
    someone_else = auth(settings, area=VILLAGE, subject="another-cadre") | {"Idempotency-Key": key}
    theirs = await client.post("/api/v1/households", json=household(VILLAGE, member()), headers=someone_else)
    assert theirs.status_code == 201 and "idempotent-replayed" not in theirs.headers
    bad_key = await client.post("/api/v1/households", json=fixed, headers=auth(settings, area=VILLAGE)
                                | {"Idempotency-Key": "x" * 300})
    assert bad_key.status_code == 400


async def test_the_purge_job_deletes_keys_older_than_a_day_and_keeps_the_rest(app, client, settings):
    from backstop_common.idempotency import purge

    old, fresh = str(uuid.uuid4()), str(uuid.uuid4())
    for key in (old, fresh):
        resp = await client.post("/api/v1/households", json=household(VILLAGE, member()),
                                 headers=auth(settings, area=VILLAGE) | {"Idempotency-Key": key})
        assert resp.status_code == 201, resp.text
    async with app.state.engine.begin() as conn:
        await conn.execute(text("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = :k"),
                           {"k": old})
    assert await purge.once(app) >= 1
    async with app.state.engine.connect() as conn:
        left = set((await conn.execute(text("SELECT key FROM idempotency_keys WHERE key IN (:a, :b)"),
                                       {"a": old, "b": fresh})).scalars())
    assert left == {fresh}
