"""The hot routes (backstop_common.hot, registry/api/hot.py): the household file and the appending writes served
below FastAPI answer what FastAPI's own routes answer — bytes, ETag, access-log row, event — and every refusal
is FastAPI's own problem, with nothing written."""

import asyncio
import dataclasses
import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import text

from backstop_common.app import create_app
from backstop_common.db import DriverSession
from backstop_common.testing import bearer, serving
from registry.main import spec
from registry.repository import records
from tests.factory import household, member

VILLAGE = "211204001002"
COUNTY = "211204000000"
WATER = "/api/v1/households/{household_id}/water-assessments"
INCOME = {"year": 2025, "wage": "42000", "business": "6000", "business_costs": "1000", "property": "0",
          "transfer": "3000"}


def _counting(routes, served: list):
    """Each route's handler, noting what it did: ``answered`` or ``handed on`` (to FastAPI)."""
    def wrap(route):
        async def serve(request):
            try:
                response = await route.serve(request)
            except Exception:
                served.append((route.path, "handed on"))
                raise
            served.append((route.path, "answered" if response is not None else "handed on"))
            return response
        return dataclasses.replace(route, serve=serve)
    return [wrap(r) for r in routes]


@pytest.fixture(scope="module")
async def apps(settings, clock):
    """The registry as it runs (hot routes, counted) and the same registry with FastAPI answering everything."""
    quiet = settings.model_copy(update={"relay_enabled": False, "consumers_enabled": False})
    served: list = []
    hot_spec = spec(quiet, clock)
    hot = create_app(dataclasses.replace(hot_spec, hot_routes=_counting(hot_spec.hot_routes, served)))
    plain = create_app(dataclasses.replace(spec(quiet, clock), hot_routes=[]))
    async with serving(hot) as hot_app, serving(plain) as plain_app:
        yield hot_app.state.client, plain_app.state.client, served


async def _register(client, settings) -> dict:
    resp = await client.post("/api/v1/households", json=household(VILLAGE, member()),
                             headers=bearer(settings, "county_admin", COUNTY))
    assert resp.status_code == 201, resp.text
    return resp.json()


async def _scalar(app, sql: str, **params):
    async with app.state.engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def test_the_file_served_hot_is_fastapis_file_with_its_etag_and_access_log_row(app, apps, settings):
    hot, plain, served = apps
    hh = await _register(hot, settings)
    url, admin = f"/api/v1/households/{hh['id']}", bearer(settings, "county_admin", COUNTY)
    logged = "SELECT count(*) FROM access_log WHERE household_id = :id"
    before = await _scalar(app, logged, id=hh["id"])
    fast, slow = await hot.get(url, headers=admin), await plain.get(url, headers=admin)
    assert served[-1] == ("/api/v1/households/{household_id}", "answered")
    assert (fast.status_code, fast.content, fast.headers["etag"], fast.headers["content-type"]) == \
        (slow.status_code, slow.content, slow.headers["etag"], slow.headers["content-type"])
    assert fast.headers["x-request-id"] and await _scalar(app, logged, id=hh["id"]) == before + 2
    current = await hot.get(url, headers={**admin, "If-None-Match": fast.headers["etag"]})
    assert (current.status_code, current.content, current.headers["etag"]) == (304, b"", fast.headers["etag"])
    masked = await hot.get(url, headers=bearer(settings, "auditor", COUNTY))
    assert masked.json()["members"][0]["id_number"] != hh["members"][0]["id_number"]
    assert await _scalar(app, logged, id=hh["id"]) == before + 3  # the auditor's masked read is not logged


async def test_a_hot_write_answers_as_fastapi_does_and_commits_with_its_event(app, apps, settings):
    hot, plain, served = apps
    first, second = await _register(hot, settings), await _register(hot, settings)
    admin = {**bearer(settings, "county_admin", COUNTY), "If-Match": "1"}
    fast = await hot.post(f"/api/v1/households/{first['id']}/income-assessments", json=INCOME, headers=admin)
    slow = await plain.post(f"/api/v1/households/{second['id']}/income-assessments", json=INCOME, headers=admin)
    assert served[-1] == ("/api/v1/households/{household_id}/income-assessments", "answered")
    assert fast.status_code == slow.status_code == 201 and fast.headers["content-type"] == "application/json"
    differ = {"id", "created_at"}
    assert list(fast.json()) == list(slow.json())
    assert {k: v for k, v in fast.json().items() if k not in differ} == \
        {k: v for k, v in slow.json().items() if k not in differ}
    events = "SELECT count(*) FROM outbox WHERE subject = :id AND type LIKE '%income_assessed%'"
    assert await _scalar(app, events, id=first["id"]) == 1
    file = (await hot.get(f"/api/v1/households/{first['id']}", headers=admin)).json()
    assert file["version"] == 2 and _values(file["income_assessments"][0]) == _values(fast.json())  # as answered


def _values(assessment: dict) -> dict:
    """An income assessment's fields as values (the file writes money as NUMERIC(14,2), the answer as sent)."""
    money = {"wage", "business", "business_costs", "property", "transfer", "net_income", "per_capita_income"}
    return {k: Decimal(v) if k in money else datetime.fromisoformat(v) if k == "created_at" else v
            for k, v in assessment.items()}


@pytest.mark.parametrize("case", ["stale version", "unknown household", "read-only role", "invalid body",
                                  "no token", "not JSON", "not a household id"])
async def test_a_refusal_on_a_hot_route_is_fastapis_problem_and_writes_nothing(app, apps, settings, case):
    hot, plain, served = apps
    hh = await _register(hot, settings)
    target = hh["id"]
    headers = {**bearer(settings, "county_admin", COUNTY), "If-Match": "1"}
    if case == "stale version":
        headers["If-Match"] = "7"
    elif case == "unknown household":
        target = str(uuid.uuid4())
    elif case == "read-only role":
        headers = bearer(settings, "auditor", COUNTY)
    elif case == "no token":
        headers = {}
    elif case == "not a household id":
        target = "not-a-uuid"
    url = f"/api/v1/households/{target}/water-assessments"
    water = {"safe_water": False, "assessed_on": "2026-06-01"} | ({"note": 5} if case == "invalid body" else {})
    send = ({"content": b'{"safe_water": false}', "headers": {**headers, "Content-Type": "text/plain"}}
            if case == "not JSON" else {"json": water, "headers": headers})
    seen = len(served)
    fast, slow = await hot.post(url, **send), await plain.post(url, **send)
    assert fast.status_code >= 400 and fast.headers["content-type"] == "application/problem+json"
    assert (fast.status_code, fast.json()) == (slow.status_code, slow.json())
    tried = [] if case in ("read-only role", "no token") else [(WATER, "handed on")]
    assert served[seen:] == tried
    versions = "SELECT version FROM households WHERE id = :id"
    assert await _scalar(app, versions, id=hh["id"]) == 1


async def test_a_keyed_write_is_left_to_fastapi_and_answered_once(app, apps, settings):
    hot, _, served = apps
    hh = await _register(hot, settings)
    headers = {**bearer(settings, "county_admin", COUNTY), "Idempotency-Key": str(uuid.uuid4())}
    url, seen = f"/api/v1/households/{hh['id']}/disasters", len(served)
    body = {"disaster_type": "0201", "loss_amount": "5000", "occurred_on": "2026-06-01"}
    first, again = await hot.post(url, json=body, headers=headers), await hot.post(url, json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true" and len(served) == seen
    assert await _scalar(app, "SELECT count(*) FROM disasters WHERE household_id = :id", id=hh["id"]) == 1


async def test_a_member_change_served_hot_is_fastapis_with_its_history_event_and_access_log_row(app, apps, settings):
    hot, plain, served = apps
    first, second = await _register(hot, settings), await _register(hot, settings)
    admin = {**bearer(settings, "county_admin", COUNTY), "If-Match": "1"}
    change = {"health": "major_illness", "illness": "尿毒症", "medical_out_of_pocket": "38000.00",
              "medical_cost_year": 2026}
    mine, theirs = first["members"][0], second["members"][0]
    fast = await hot.patch(f"/api/v1/members/{mine['id']}", json=change, headers=admin)
    slow = await plain.patch(f"/api/v1/members/{theirs['id']}", json=change, headers=admin)
    assert served[-1] == ("/api/v1/members/{member_id}", "answered")
    assert fast.status_code == slow.status_code == 200 and list(fast.json()) == list(slow.json())
    differ = {"id", "household_id", "name", "id_number", "birth_date", "sex", "created_at", "updated_at",
              "person_number", "name_pinyin", "name_initials"}
    assert {k: v for k, v in fast.json().items() if k not in differ} == \
        {k: v for k, v in slow.json().items() if k not in differ}
    assert fast.json()["version"] == 2 and fast.json()["id_number"] == mine["id_number"]  # unmasked: logged
    for changed, holder in ((mine, first), (theirs, second)):
        counts = [await _scalar(app, sql, id=holder["id"]) for sql in (
            "SELECT count(*) FROM outbox WHERE subject = :id AND type LIKE '%member.health_changed%'",
            "SELECT count(*) FROM change_history WHERE household_id = :id AND entity = 'member' AND action = 'updated'",
            "SELECT count(*) FROM access_log WHERE household_id = :id AND path LIKE '/api/v1/members/%'")]
        assert counts == [1, 4, 1], (changed["id"], counts)
    file = (await hot.get(f"/api/v1/households/{first['id']}", headers=admin)).json()
    assert file["members"][0]["illness"] == "尿毒症" and file["members"][0]["version"] == 2


async def test_two_member_changes_sent_at_once_against_one_version_change_it_once(app, apps, settings):
    """The member change's lock (household, then member) holds until its commit: the second writer waits, sees
    the new version and is refused; one history line per changed field, one event."""
    hot, _, _ = apps
    hh = await _register(hot, settings)
    url = f"/api/v1/members/{hh['members'][0]['id']}"
    headers = {**bearer(settings, "county_admin", COUNTY), "If-Match": "1"}
    first, second = await asyncio.gather(hot.patch(url, json={"employment": "migrant"}, headers=headers),
                                         hot.patch(url, json={"employment": "local"}, headers=headers))
    assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
    events = "SELECT count(*) FROM outbox WHERE subject = :id AND type LIKE '%member.employment_changed%'"
    assert await _scalar(app, events, id=hh["id"]) == 1
    unchanged = await hot.patch(url, json={"employment": "none"}, headers={**headers, "If-Match": "7"})
    assert unchanged.status_code == 409 and unchanged.json()["current_version"] == 2


async def test_hot_connections_the_database_ended_are_replaced_without_a_500(app, apps, settings):
    """PostgreSQL ends the hot pool's connections (a restart, an administrator): a request that meets one is
    handed to FastAPI (asyncpg usually notices first and reconnects on its own) — never a 500 or a dropped
    connection — and the pool opens new ones."""
    hot, _, served = apps
    hh = await _register(hot, settings)
    url, admin = f"/api/v1/households/{hh['id']}", bearer(settings, "county_admin", COUNTY)
    assert (await hot.get(url, headers=admin)).status_code == 200
    ended = await _scalar(app, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE application_name = 'registry-hot'")
    assert ended >= 1
    answers = [(await hot.get(url, headers=admin)).status_code for _ in range(ended + 2)]
    assert set(answers) <= {200, 503} and answers[-1] == 200, answers
    assert served[-1] == ("/api/v1/households/{household_id}", "answered")


async def test_a_hot_write_overtaken_between_its_read_and_its_write_writes_nothing_and_is_handed_on(
        app, apps, settings, monkeypatch):
    """The hot write reads without a lock and writes in one statement that commits alone, only at the version
    it read: a writer that came between the two (here: a version moved on right after the read) leaves the
    statement writing nothing, and FastAPI's route, its lock held from the read, records the assessment once."""
    hot, _, served = apps
    hh = await _register(hot, settings)
    read = records.lock_for_income

    async def read_then_overtaken(session, household_id):
        found = await read(session, household_id)
        if isinstance(session, DriverSession):  # the hot route's read, not FastAPI's
            async with app.state.engine.begin() as conn:
                await conn.execute(text("UPDATE households SET version = version + 1 WHERE id = :id"),
                                   {"id": household_id})
        return found

    monkeypatch.setattr(records, "lock_for_income", read_then_overtaken)
    answer = await hot.post(f"/api/v1/households/{hh['id']}/income-assessments", json=INCOME,
                            headers=bearer(settings, "county_admin", COUNTY))
    assert answer.status_code == 201, answer.text
    assert served[-1] == ("/api/v1/households/{household_id}/income-assessments", "handed on")
    counts = [await _scalar(app, sql, id=hh["id"]) for sql in (
        "SELECT count(*) FROM income_assessments WHERE household_id = :id",
        "SELECT count(*) FROM outbox WHERE subject = CAST(:id AS text) AND type LIKE '%income_assessed%'",
        "SELECT count(*) FROM change_history WHERE household_id = :id AND entity = 'income_assessment'",
        "SELECT version FROM households WHERE id = :id")]
    assert counts == [1, 1, 2, 3], counts  # one assessment, its event, a line per changed field; 1 → 2 → 3


async def test_two_hot_writes_sent_at_once_against_one_version_record_one(app, apps, settings):
    """Both read version 1 without a lock; the write statement of one finds version 2 and writes nothing, and
    FastAPI's route, locked from its read, refuses it: one assessment, one event, one 409."""
    hot, _, _ = apps
    hh = await _register(hot, settings)
    url = f"/api/v1/households/{hh['id']}/income-assessments"
    headers = {**bearer(settings, "county_admin", COUNTY), "If-Match": "1"}
    first, second = await asyncio.gather(hot.post(url, json=INCOME, headers=headers),
                                         hot.post(url, json={**INCOME, "wage": "52000"}, headers=headers))
    assert sorted([first.status_code, second.status_code]) == [201, 409], (first.text, second.text)
    counts = [await _scalar(app, sql, id=hh["id"]) for sql in (
        "SELECT count(*) FROM income_assessments WHERE household_id = :id",
        "SELECT count(*) FROM outbox WHERE subject = CAST(:id AS text) AND type LIKE '%income_assessed%'",
        "SELECT version FROM households WHERE id = :id")]
    assert counts == [1, 1, 2], counts


async def test_income_writes_that_find_the_writers_under_way_are_written_together_each_answered_as_alone(
        app, apps, settings, clock, monkeypatch):
    """With one income writer (``hot_income_writers``; the pool's other connections free), writes sent at once
    wait for it and are written in one transaction (registry.api.hot.INCOMES): each recorded one answered as
    FastAPI's route answers, with its event and history, a refused one (a stale version, another county's
    household, a household assessed twice against one version) handed on to FastAPI — its problem, nothing
    written for it."""
    from registry.api import hot as hot_routes

    hot, plain, _ = apps
    groups: list[int] = []
    together = hot_routes.INCOMES.together

    async def counted(requests, writes):
        groups.append(len(writes))
        return await together(requests, writes)

    monkeypatch.setattr(hot_routes.INCOMES, "together", counted)
    one = settings.model_copy(update={"relay_enabled": False, "consumers_enabled": False, "hot_income_writers": 1,
                                      "hot_income_together_least": 2})
    households = [await _register(hot, settings) for _ in range(6)]
    admin = bearer(settings, "county_admin", COUNTY)
    stale, unknown, twice = households[3]["id"], str(uuid.uuid4()), households[4]["id"]
    sent = [(h["id"], {**admin, "If-Match": "1"}) for h in households[:3]] + [
        (stale, {**admin, "If-Match": "7"}), (unknown, admin), (twice, {**admin, "If-Match": "1"}),
        (twice, {**admin, "If-Match": "1"}), (households[5]["id"], admin)]
    requests = [str(uuid.uuid4()) for _ in sent]  # each write's X-Request-ID: its event's correlation id
    async with serving(create_app(spec(one, clock))) as narrow:
        answers = await asyncio.gather(*(narrow.state.client.post(
            f"/api/v1/households/{target}/income-assessments", json=INCOME, headers={**headers, "X-Request-ID": r})
            for (target, headers), r in zip(sent, requests)))
    assert groups and max(groups) >= 2, groups  # they waited, and were written together
    statuses = [a.status_code for a in answers]
    assert statuses[:3] == [201, 201, 201] and statuses[3:5] == [409, 404] and sorted(statuses[5:7]) == [201, 409]
    assert statuses[7] == 201, [a.text for a in answers]
    expected = await plain.post(f"/api/v1/households/{stale}/income-assessments", json=INCOME,
                                headers={**admin, "If-Match": "7"})
    assert answers[3].json() == expected.json()
    differ = {"id", "household_id", "created_at"}
    reference = await plain.post(f"/api/v1/households/{households[0]['id']}/income-assessments", json=INCOME,
                                 headers=admin)
    for answer in (answers[0], answers[7]):
        assert list(answer.json()) == list(reference.json())
        assert {k: v for k, v in answer.json().items() if k not in differ} == \
            {k: v for k, v in reference.json().items() if k not in differ}
    counts = "SELECT count(*) FROM {table} WHERE {column} = :id{more}"
    for target, recorded in ((households[1]["id"], 1), (stale, 0), (twice, 1), (households[5]["id"], 1)):
        found = [await _scalar(app, counts.format(table=t, column=c, more=m), id=target) for t, c, m in (
            ("income_assessments", "household_id", ""),
            ("outbox", "subject", " AND type LIKE '%income_assessed%'"),
            ("change_history", "household_id", " AND entity = 'income_assessment'"))]
        assert found[:2] == [recorded, recorded] and (found[2] > 0) == bool(recorded), (target, found)
        assert await _scalar(app, "SELECT version FROM households WHERE id = :id", id=target) == 1 + recorded
    # written in one transaction, each event still carries its own request's correlation id
    for at in (1, 2, 7):  # (the first household is written again below)
        assert await _scalar(app, "SELECT correlation_id FROM outbox WHERE subject = CAST(:id AS text) AND type LIKE "
                                  "'%income_assessed%'", id=sent[at][0]) == requests[at], at
    assert await _scalar(app, "SELECT correlation_id FROM outbox WHERE subject = CAST(:id AS text) AND type LIKE "
                              "'%income_assessed%'", id=twice) == requests[5 if statuses[5] == 201 else 6]


async def test_too_few_waiting_income_writes_are_written_alone_one_after_another_each_its_own_answer(
        app, apps, settings, clock, monkeypatch):
    """Fewer waiting than ``hot_income_together_least``: each written alone after the other (two statements, no
    transaction), with its own answer, its own refusal (handed on: FastAPI's 409, nothing written) and its own
    request's correlation id on its event."""
    from registry.api import hot as hot_routes

    hot, _, _ = apps
    alone, groups = [], []
    single, together = hot_routes.INCOMES.alone, hot_routes.INCOMES.together

    async def counted_alone(request, write):
        alone.append(write.household_id)
        return await single(request, write)

    async def counted(requests, writes):
        groups.append(len(writes))
        return await together(requests, writes)

    monkeypatch.setattr(hot_routes.INCOMES, "alone", counted_alone)
    monkeypatch.setattr(hot_routes.INCOMES, "together", counted)
    few = settings.model_copy(update={"relay_enabled": False, "consumers_enabled": False, "hot_income_writers": 1,
                                      "hot_income_together_least": 50})
    households = [await _register(hot, settings) for _ in range(4)]
    admin = bearer(settings, "county_admin", COUNTY)
    matches = ["1", "1", "7", "1"]  # the third is stale
    requests = [str(uuid.uuid4()) for _ in households]
    async with serving(create_app(spec(few, clock))) as narrow:
        answers = await asyncio.gather(*(narrow.state.client.post(
            f"/api/v1/households/{h['id']}/income-assessments", json=INCOME,
            headers={**admin, "If-Match": m, "X-Request-ID": r}) for h, m, r in zip(households, matches, requests)))
    assert groups == [] and len(alone) == 4, (groups, alone)
    assert [a.status_code for a in answers] == [201, 201, 409, 201], [a.text for a in answers]
    for at, h in enumerate(households):
        recorded = 0 if at == 2 else 1
        assert await _scalar(app, "SELECT count(*) FROM income_assessments WHERE household_id = :id",
                             id=h["id"]) == recorded
        if recorded:
            assert await _scalar(app, "SELECT correlation_id FROM outbox WHERE subject = CAST(:id AS text) AND type "
                                      "LIKE '%income_assessed%'", id=h["id"]) == requests[at], at
