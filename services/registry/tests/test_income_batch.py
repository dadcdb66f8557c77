"""`POST /api/v1/income-assessments/batch`: many assessments in one request, each by the single route's rules."""

import asyncio
import uuid

import pytest

from sqlalchemy import func, select

from backstop_common.messaging_models import OutboxMessage
from backstop_common.testing import bearer
from registry.models import ChangeRecord, IncomeAssessment
from registry.repository import records
from registry.schemas.records import BATCH_MAX
from tests.factory import household, member

VILLAGE, OTHER_VILLAGE = "211204001001", "211204002001"
INCOME = {"year": 2025, "wage": "42000", "business": "6000", "business_costs": "1000", "property": "0",
          "transfer": "3000"}
ASSESSED = "backstop.registry.household.income_assessed.v1"


async def _register(client, settings, village: str) -> str:
    resp = await client.post("/api/v1/households", json=household(village, member()),
                             headers=bearer(settings, "county_admin", "211204000000"))
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


async def _counts(app, ids: list[str]) -> tuple[int, int]:
    async with app.state.sessions() as session:
        assessments = await session.scalar(select(func.count()).select_from(IncomeAssessment)
                                           .where(IncomeAssessment.household_id.in_(ids)))
        events = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.subject.in_(ids), OutboxMessage.type == ASSESSED))
    return assessments, events


async def test_a_batch_records_each_good_record_with_its_event_and_returns_the_refused_by_index(app, client,
                                                                                                settings):
    mine = [await _register(client, settings, VILLAGE) for _ in range(3)]
    elsewhere = await _register(client, settings, OTHER_VILLAGE)
    items = [{"household_id": mine[0], **INCOME}, {"household_id": str(uuid.uuid4()), **INCOME},
             {"household_id": mine[1], **INCOME, "wage": "42000"}, {"household_id": elsewhere, **INCOME},
             {"household_id": mine[2], **INCOME, "year": 2099}, {"household_id": mine[1], **INCOME, "year": 2024}]
    cadre = {**bearer(settings, "village_cadre", VILLAGE), "Idempotency-Key": "visits-2026-12-01"}
    resp = await client.post("/api/v1/income-assessments/batch", json={"items": items}, headers=cadre)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["received"] == 6 and body["recorded"] == 3
    # unknown and out of scope alike: 404, as the single route answers
    assert [o["status"] for o in body["items"]] == [201, 404, 201, 404, 422, 201]
    assert body["items"][0]["assessment"]["per_capita_income"] == "50000.00"
    assert body["items"][4]["problem"]["detail"] and body["items"][4]["assessment"] is None
    assert await _counts(app, [*mine, elsewhere]) == (3, 3)
    # the phone syncing again with the same key: the first answer, nothing recorded twice
    again = await client.post("/api/v1/income-assessments/batch", json={"items": items}, headers=cadre)
    assert again.status_code == 200 and again.json() == body
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await _counts(app, [*mine, elsewhere]) == (3, 3)


@pytest.mark.parametrize("in_one", [True, False], ids=["one statement", "copied in"])
async def test_a_household_assessed_twice_in_one_batch_sees_its_first_assessment_as_one_request_after_another(
        app, client, settings, monkeypatch, in_one):
    """The batch is written set-based (one lock, then one statement — or, a large batch, four): the rule still runs
    record by record, so the second assessment's event names the first as the previous one, the version moves
    twice, and the events and history rows stand in the batch's order."""
    monkeypatch.setattr(records, "IN_ONE_STATEMENT_MOST", 100 if in_one else 0)
    hh = await _register(client, settings, VILLAGE)
    items = [{"household_id": hh, **INCOME, "year": 2024, "wage": "9000"}, {"household_id": hh, **INCOME},
             {"household_id": hh, **INCOME, "year": 2023, "wage": "1000", "version": 3}]
    resp = await client.post("/api/v1/income-assessments/batch", json={"items": items},
                             headers=bearer(settings, "county_admin", "211204000000"))
    assert [o["status"] for o in resp.json()["items"]] == [201, 201, 201], resp.text
    file = (await client.get(f"/api/v1/households/{hh}", headers=bearer(settings, "auditor", "211204000000"))).json()
    assert file["version"] == 4 and file["per_capita_income"] == "50000.00" and file["income_year"] == 2025
    async with app.state.sessions() as session:
        events = (await session.scalars(select(OutboxMessage).where(OutboxMessage.subject == hh,
                                                                    OutboxMessage.type == ASSESSED)
                                        .order_by(OutboxMessage.seq))).all()
        history = (await session.scalars(select(ChangeRecord).where(ChangeRecord.household_id == hh,
                                                                    ChangeRecord.entity == "income_assessment")
                                         .order_by(ChangeRecord.seq))).all()
    assert [(e.data["year"], e.data["previous_year"], e.data["previous_per_capita_income"]) for e in events] == [
        (2024, None, None), (2025, 2024, "17000.00"), (2023, 2025, "50000.00")]
    # the 2023 assessment is recorded but leaves the household's income at the newer year's
    assert [(r.field, r.version) for r in history] == [("per_capita_income", 2), ("income_year", 2),
                                                       ("per_capita_income", 3), ("income_year", 3), (None, 4)]


async def test_a_batch_beyond_the_limit_or_empty_is_refused_whole(app, client, settings):
    one = await _register(client, settings, VILLAGE)
    cadre = bearer(settings, "village_cadre", VILLAGE)
    auditor = await client.post("/api/v1/income-assessments/batch", json={"items": [{"household_id": one, **INCOME}]},
                                headers=bearer(settings, "auditor", "211204000000"))
    assert auditor.status_code == 403, auditor.text
    for items in ([], [{"household_id": one, **INCOME}] * (BATCH_MAX + 1)):
        resp = await client.post("/api/v1/income-assessments/batch", json={"items": items}, headers=cadre)
        assert resp.status_code == 422, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
    assert await _counts(app, [one]) == (0, 0)


async def test_two_assessments_sent_at_once_against_one_version_record_one_and_refuse_the_other(app, client,
                                                                                                 settings):
    """The income write is two statements on the driver's connection (repository/records.py): the household's lock
    must hold until the commit, so the second writer waits, sees the new version and gets 409 — and the one
    recorded assessment commits with its event and the household's new version."""
    hh = await _register(client, settings, VILLAGE)
    url = f"/api/v1/households/{hh}/income-assessments"
    headers = {**bearer(settings, "county_admin", "211204000000"), "If-Match": "1"}
    first, second = await asyncio.gather(client.post(url, json=INCOME, headers=headers),
                                         client.post(url, json={**INCOME, "wage": "9000"}, headers=headers))
    assert sorted([first.status_code, second.status_code]) == [201, 409], (first.text, second.text)
    assert await _counts(app, [hh]) == (1, 1)
    file = (await client.get(f"/api/v1/households/{hh}", headers=bearer(settings, "auditor", "211204000000"))).json()
    winner = first if first.status_code == 201 else second
    assert file["version"] == 2 and file["per_capita_income"] == winner.json()["per_capita_income"]



@pytest.mark.parametrize("path,bodies,listed,event", [
    ("housing-assessments", ({"grade": "C", "assessed_on": "2026-06-01"}, {"grade": "D", "assessed_on": "2026-06-02"}),
     "housing_assessments", "housing_assessed"),
    ("water-assessments", ({"safe_water": False, "assessed_on": "2026-06-01"},
                           {"safe_water": True, "assessed_on": "2026-06-02"}), "water_assessments", "water_assessed"),
    ("disasters", ({"disaster_type": "0201", "loss_amount": "5000", "occurred_on": "2026-06-01"},
                   {"disaster_type": "0202", "loss_amount": "900", "occurred_on": "2026-06-02"}),
     "disasters", "disaster_reported"),
])
async def test_two_appending_writes_sent_at_once_against_one_version_record_one_and_refuse_the_other(
        app, client, settings, path, bodies, listed, event):
    """The housing, water and disaster routes are written as the income assessment's (repository/records.py),
    lock included: the second writer waits, sees the new version and gets 409; one record, one event."""
    hh = await _register(client, settings, VILLAGE)
    url = f"/api/v1/households/{hh}/{path}"
    headers = {**bearer(settings, "county_admin", "211204000000"), "If-Match": "1"}
    first, second = await asyncio.gather(*(client.post(url, json=body, headers=headers) for body in bodies))
    assert sorted([first.status_code, second.status_code]) == [201, 409], (first.text, second.text)
    winner = first if first.status_code == 201 else second
    file = (await client.get(f"/api/v1/households/{hh}", headers=bearer(settings, "auditor", "211204000000"))).json()
    assert file["version"] == 2 and [r["id"] for r in file[listed]] == [winner.json()["id"]]
    async with app.state.sessions() as session:
        events = await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.subject == hh, OutboxMessage.type == f"backstop.registry.household.{event}.v1"))
    assert events == 1
