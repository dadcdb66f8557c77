"""The skeleton's vertical slice inside the registry: a write commits its row and its outbox event."""

from sqlalchemy import select

from backstop_common.messaging_models import OutboxMessage
from backstop_common.testing import bearer, read_events
from backstop_common.topics import REGISTRY_HOUSEHOLD
from registry.models import Household
from tests.factory import household, member

VILLAGE = "211204001001"


async def test_register_commits_row_and_outbox_event_and_publishes(app, client, settings):
    resp = await client.post("/api/v1/households", json=household(VILLAGE, member(labour_capacity="none")),
                             headers=bearer(settings, "village_cadre", VILLAGE))
    assert resp.status_code == 201, resp.text
    household_id = resp.json()["id"]
    async with app.state.sessions() as session:
        assert await session.get(Household, household_id) is not None
        row = (await session.execute(select(OutboxMessage).where(OutboxMessage.subject == household_id))).scalar_one()
    assert row.type == "backstop.registry.household.registered.v1"
    events = await read_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD,
                               until=lambda evs: len(evs) >= 1, where=lambda e: e.subject == household_id)
    assert [e.id for e in events] == [row.id]
    assert events[0].area_code == VILLAGE
    data = events[0].data
    assert data["household_id"] == household_id and data["village_code"] == VILLAGE
    assert data["poverty_status"] == "lifted" and data["year_lifted"] == 2019
    assert data["size"] == 1 and data["labour_capable_members"] == 0 and data["uninsured_members"] == 0
    assert data["per_capita_income"] is None and data["helper_user_ids"] == []
    assert "张三" not in str(data) and "id_number" not in data


async def test_outside_area_is_refused_and_writes_nothing(app, client, settings):
    async def counts():
        async with app.state.sessions() as session:
            outbox = len((await session.execute(select(OutboxMessage))).scalars().all())
            households = len((await session.execute(select(Household))).scalars().all())
        return outbox, households

    before = await counts()
    headers = bearer(settings, "village_cadre", "211204001002")
    resp = await client.post("/api/v1/households", json=household(VILLAGE), headers=headers)
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "application/problem+json"
    assert await counts() == before


async def test_bad_input_is_problem_json(client, settings):
    resp = await client.post("/api/v1/households", json={"village_code": "12"},
                             headers=bearer(settings, "county_admin", "211204000000"))
    assert resp.status_code == 422
    body = resp.json()
    assert body["status"] == 422 and body["errors"]


async def test_no_token_is_401(client):
    resp = await client.get("/api/v1/households/00000000-0000-0000-0000-000000000000")
    assert resp.status_code == 401
    assert resp.json()["title"] == "未认证"  # Chinese unless asked (backstop_common.i18n)


async def test_ops_endpoints(client):
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert "http_requests_total" in (await client.get("/metrics")).text
    doc = (await client.get("/asyncapi.json")).json()
    assert doc["asyncapi"] == "3.0.0"
    assert "registry_household" in doc["channels"]
    assert "backstop_registry_household_income_assessed_v1" in doc["components"]["messages"]
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ("/api/v1/areas", "/api/v1/households", "/api/v1/households/{household_id}",
                 "/api/v1/households/{household_id}/history", "/api/v1/households/{household_id}/members",
                 "/api/v1/members/{member_id}", "/api/v1/households/{household_id}/income-assessments",
                 "/api/v1/households/{household_id}/housing-assessments",
                 "/api/v1/households/{household_id}/disasters", "/api/v1/imports/households",
                 "/api/v1/feeds/{department}"):
        assert path in paths, path


async def test_answers_are_chinese_unless_english_is_asked(client, settings):
    """issue 14: title, detail and each validation error from the catalogues; loc and type unchanged."""
    headers = bearer(settings, "county_admin", "211204000000")
    missing = "/api/v1/households/00000000-0000-0000-0000-000000000000"
    zh = (await client.get(missing, headers=headers)).json()
    en = (await client.get(missing, headers=headers | {"Accept-Language": "en"})).json()
    assert (zh["title"], zh["detail"]) == ("未找到", "农户不存在")
    assert (en["title"], en["detail"]) == ("Not Found", "household not found")
    bad = {"village_code": "12"}
    zh = (await client.post("/api/v1/households", json=bad, headers=headers)).json()
    en = (await client.post("/api/v1/households", json=bad, headers=headers | {"Accept-Language": "en"})).json()
    assert [(e["loc"], e["type"]) for e in zh["errors"]] == [(e["loc"], e["type"]) for e in en["errors"]]
    assert all(not e["msg"].isascii() for e in zh["errors"]) and all(e["msg"].isascii() for e in en["errors"])


async def test_vocab_labels_every_code_in_both_languages(client):
    """issue 14: GET /api/v1/vocab — code → {zh, en}; the console reads the same labels."""
    from backstop_common.vocab import ZH  # the console's LABELS

    vocab = (await client.get("/api/v1/vocab")).json()
    assert vocab["poverty_status"]["lifted"] == {"zh": "脱贫户", "en": "Lifted", "national": "脱贫户"}
    assert vocab["risk_type"]["0201"] == {"zh": "因洪涝灾害", "en": "Flood", "national": "0201"}
    assert vocab["employment"]["migrant"]["national"] == "县外省内务工"  # the national export's 务工状况
    assert vocab["pension"]["receiving"] == {"zh": "领取养老金", "en": "Drawing a pension"}  # no national code
    assert "fund_source" not in vocab  # only the vocabularies registry answers with
    for kind, codes in vocab.items():
        for code, text in codes.items():
            assert text["zh"] and text["en"] and ZH[kind][code] == text["zh"]
