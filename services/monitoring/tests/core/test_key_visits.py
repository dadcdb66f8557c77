"""Key households are visited even without a case (seed 004: 重点巡访对象…每季度至少探访一次): a missed
quarter is announced once; a visit restarts the quarter; a household that is no target is never due."""

import uuid
from datetime import timedelta, timezone

from backstop_common.auth import Principal, Role
from backstop_common.testing import bearer, read_events
from backstop_common.topics import MONITORING_CASE
from monitoring.domain import key_visits
from monitoring.jobs import sweep_once

from ..clock import clock
from ..in_turn import in_turn
from .support import outbox_count, registered

VILLAGE = "211204008001"


def listed(grade=0, health="healthy"):
    return {"member_id": str(uuid.uuid4()), "relation": "户主", "sex": "male", "birth_year": 1960,
            "health": health, "disability_grade": grade, "labour_capacity": "none", "medical_insurance": True}


async def test_a_key_household_missing_its_quarter_is_overdue_once(app, client, feed, settings):
    on_dibao, disabled, mildly, plain = (uuid.uuid4() for _ in range(4))
    await feed(registered(on_dibao, VILLAGE, dibao=True, per_capita_income="9000.00"),
               registered(disabled, VILLAGE, per_capita_income="9000.00", members=[listed(grade=1)]),
               registered(mildly, VILLAGE, per_capita_income="9000.00", members=[listed(grade=4)]),
               registered(plain, VILLAGE, per_capita_income="9000.00"))
    clock.advance(timedelta(days=60))
    cadre, other = bearer(settings, "village_cadre", VILLAGE, subject="cadre-8"), bearer(
        settings, "village_cadre", "211204008002")
    visit = {"visited_on": clock.now().date().isoformat(), "findings": "低保金按月发放，生活稳定"}
    assert (await client.post(f"/api/v1/households/{on_dibao}/visits", json=visit, headers=other)).status_code == 404
    assert (await client.post(f"/api/v1/households/{on_dibao}/visits", json={"visited_on": visit["visited_on"]},
                              headers=cadre)).status_code == 422
    resp = await client.post(f"/api/v1/households/{on_dibao}/visits", json=visit, headers=cadre)
    assert resp.status_code == 201, resp.text
    clock.advance(timedelta(days=31))  # 91 days since monitoring first heard of them
    events = await read_events(settings.kafka_bootstrap_servers, MONITORING_CASE, timeout=20,
                               where=lambda e: e.subject == str(disabled) and e.name == "key_visit.overdue",
                               until=lambda evs: len(evs) >= 1)
    assert events[0].area_code == VILLAGE and events[0].data["due_at"]
    await sweep_once(app)
    await sweep_once(app)
    assert await outbox_count(app, "key_visit.overdue", disabled) == 1
    for not_due in (on_dibao, mildly, plain):  # visited a month ago; grade 4 is not severe; no target
        assert await outbox_count(app, "key_visit.overdue", not_due) == 0
    file = (await client.get(f"/api/v1/households/{on_dibao}/monitoring", headers=cadre)).json()
    assert [v["visitor_user_id"] for v in file["key_visits"]] == ["cadre-8"]  # 一人一档


async def test_a_key_visit_recorded_offline_keeps_when_it_happened(app, client, feed, settings):
    household = uuid.uuid4()
    await feed(registered(household, VILLAGE, dibao=True, per_capita_income="9000.00"))
    cadre = bearer(settings, "village_cadre", VILLAGE, subject="cadre-offline")
    url = f"/api/v1/households/{household}/visits"
    refused = [(await client.post(url, json=body, headers=cadre)).status_code for body in (
        {"findings": "x"},  # no day at all
        {"occurred_at": (clock.now() - timedelta(days=400)).isoformat(), "findings": "x"})]  # before it was known
    assert refused == [422, 422]
    clock.advance(timedelta(hours=3))  # the cadre visits later that day, out of signal, and sends it after
    happened = (clock.now() - timedelta(hours=2)).replace(microsecond=0)
    resp = await client.post(url, json={"occurred_at": happened.isoformat(), "findings": "补录"}, headers=cadre)
    assert resp.status_code == 201, resp.text
    [kept] = (await client.get(f"/api/v1/households/{household}/monitoring", headers=cadre)).json()["key_visits"]
    assert kept["occurred_at"].replace("Z", "+00:00") == happened.isoformat() and kept["created_at"] > kept["occurred_at"]
    assert kept["visited_on"] == happened.astimezone(timezone(timedelta(hours=8))).date().isoformat()


async def test_two_visits_to_one_household_are_announced_in_the_order_they_commit(app, feed):
    """Two cadres record a visit to one household at once: the second waits for the first's transaction (the
    household's row), so its ``key_visit.recorded`` draws the later seq — the relay's order is the commits'."""
    household = uuid.uuid4()
    await feed(registered(household, VILLAGE, dibao=True, per_capita_income="9000.00"))

    def visit(cadre: str):
        return lambda uow: key_visits.record(uow, Principal(cadre, Role.VILLAGE_CADRE, VILLAGE), household,
                                             clock.now().date(), "入户走访，生活稳定", clock.now())
    ids, rows = await in_turn(app, visit("cadre-1"), visit("cadre-2"))
    assert [row.id for row in rows] == ids
