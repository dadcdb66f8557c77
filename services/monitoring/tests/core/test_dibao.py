"""低保 follow-up (seed 000): a household under the 低保 line and not on 低保 is recommended to civil
affairs once; a 低保 household whose income rose above it is followed through its phase-out (渐退),
and leaving 低保 early without review is a lapse, while a reviewed exit is not."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from backstop_common.testing import bearer, read_events
from backstop_common.topics import MONITORING_CASE
from monitoring.jobs import sweep_once
from monitoring.models import Signal

from ..clock import clock
from .support import income, outbox_count, registered, registry_event

VILLAGE = "211204007001"


def left_dibao(hh):
    return registry_event("household.status_changed", hh, VILLAGE, previous_status="lifted",
                          poverty_status="lifted", year_lifted=2019, dibao=False, tekun=False)


async def dibao_events(settings, hh, name, count=1):
    return await read_events(settings.kafka_bootstrap_servers, MONITORING_CASE, timeout=20,
                             where=lambda e: e.subject == str(hh) and e.name == name,
                             until=lambda evs: len(evs) >= count)


async def test_a_household_under_the_dibao_line_is_recommended_once(app, client, feed, settings):
    poor, on_dibao, above = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await feed(registered(poor, VILLAGE), registered(on_dibao, VILLAGE, dibao=True), registered(above, VILLAGE))
    assessment = income(poor, VILLAGE, "4100.00", year=2020)  # 清河区 2020: 4,400 (seed 000)
    await feed(assessment, income(on_dibao, VILLAGE, "4100.00", year=2020),
               income(above, VILLAGE, "4500.00", year=2020))
    events = await dibao_events(settings, poor, "dibao.recommended")
    assert events[0].data["dibao_line"] == "4400.00" and events[0].data["per_capita_income"] == "4100.00"
    assert events[0].area_code == VILLAGE and set(events[0].data) >= {"household_id", "year"}
    await feed(income(poor, VILLAGE, "4100.00", year=2020, assessment_id=assessment.data["assessment_id"]))
    assert await outbox_count(app, "dibao.recommended", poor) == 1
    assert await outbox_count(app, "dibao.recommended", on_dibao) == 0
    assert await outbox_count(app, "dibao.recommended", above) == 0
    # the county raises its 低保 line: a policy value, the PUT takes it and refuses a phase-out over 12 months
    admin = bearer(settings, "county_admin", "211204000000")
    current = (await client.get("/api/v1/policies/2020/211204000000", headers=admin)).json()
    values = {k: v for k, v in current.items() if k not in ("year", "area_code", "version", "updated_by", "updated_at")}
    assert values["dibao_line"] == "4400.00" and values["dibao_phaseout_months"] == 12
    bad = await client.put("/api/v1/policies/2020/211204000000", json={**values, "dibao_phaseout_months": 13},
                           headers=admin)
    assert bad.status_code == 422


async def test_leaving_dibao_during_its_phase_out_without_review_is_a_lapse(app, client, feed, settings):
    lapsing, reviewed = uuid.uuid4(), uuid.uuid4()
    await feed(registered(lapsing, VILLAGE, dibao=True), registered(reviewed, VILLAGE, dibao=True))
    await feed(income(lapsing, VILLAGE, "5200.00", year=2020), income(reviewed, VILLAGE, "5200.00", year=2020))
    started = await dibao_events(settings, lapsing, "dibao.phaseout_started")
    assert started[0].data["ends_at"] > started[0].data["started_at"]
    await dibao_events(settings, reviewed, "dibao.phaseout_started")

    civil = bearer(settings, "department", "211204000000", department="civil_affairs")
    cadre = bearer(settings, "village_cadre", VILLAGE)
    assert (await client.post(f"/api/v1/households/{reviewed}/dibao-review", headers=cadre)).status_code == 403
    resp = await client.post(f"/api/v1/households/{reviewed}/dibao-review", headers=civil)
    assert resp.status_code == 200 and resp.json()["reviewed_at"]
    await feed(left_dibao(lapsing), left_dibao(reviewed))

    lapsed = await dibao_events(settings, lapsing, "dibao.phaseout_lapsed")
    assert lapsed[0].data["outcome"] == "lapsed"
    async with app.state.sessions() as session:
        rules = (await session.execute(select(Signal.rule).where(Signal.household_id == lapsing))).scalars().all()
    assert "dibao_lapsed" in rules
    assert await outbox_count(app, "dibao.phaseout_lapsed", reviewed) == 0
    history = (await client.get(f"/api/v1/households/{reviewed}/monitoring", headers=civil)).json()
    assert history["dibao_phaseout"] is None  # closed: left after review


async def test_a_phase_out_that_runs_out_is_announced_once(app, feed, settings):
    hh = uuid.uuid4()
    await feed(registered(hh, VILLAGE, dibao=True), income(hh, VILLAGE, "5600.00", year=2020))
    await dibao_events(settings, hh, "dibao.phaseout_started")
    clock.advance(timedelta(days=370))
    due = await dibao_events(settings, hh, "dibao.phaseout_due")
    assert due[0].data["outcome"] == "due"
    await sweep_once(app)
    assert await outbox_count(app, "dibao.phaseout_due", hh) == 1
