"""Deadlines (one case.overdue per missed deadline), the set-based re-screen after a line change, the
cluster alert (once per village and window), and what the offices look at."""

import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from backstop_common.testing import bearer, eventually, read_events
from backstop_common.topics import MONITORING_CASE
from monitoring.jobs import sweep_once
from monitoring.models import DeadlineMiss, Signal

from ..clock import clock
from .support import cases_of, income, outbox_count, registered, wait_for_case

COUNTY = "211204000000"


async def test_an_overdue_step_publishes_exactly_one_case_overdue(app, client, feed, settings):
    village = "211204005001"
    hh = uuid.uuid4()
    await feed(registered(hh, village), income(hh, village, "5100.00"))
    case = await wait_for_case(app, hh)
    clock.advance(timedelta(days=4))  # verify is due within 3 days
    events = await read_events(settings.kafka_bootstrap_servers, MONITORING_CASE, timeout=20,
                               where=lambda e: e.subject == str(case.id) and e.name == "case.overdue",
                               until=lambda evs: len(evs) >= 1)
    assert len(events) == 1
    assert events[0].data["step"] == "verify" and events[0].data["escalate_to_area"] == "211204005000"
    for _ in range(3):  # the background sweeper keeps running; explicit sweeps add nothing either
        await sweep_once(app)
    assert await outbox_count(app, "case.overdue", case.id) == 1
    county = bearer(settings, "county_staff", COUNTY)
    listed = (await client.get("/api/v1/cases", params={"overdue": "true", "area_code": "211204005000"},
                               headers=county)).json()
    assert [c["id"] for c in listed["items"]] == [str(case.id)] and listed["items"][0]["overdue"]
    # the step is done late: the next step gets its own deadline, the old miss is not repeated
    cadre = bearer(settings, "village_cadre", village)
    assert (await client.post(f"/api/v1/cases/{case.id}/verify", headers=cadre)).status_code == 200
    await sweep_once(app)
    assert await outbox_count(app, "case.overdue", case.id) == 1


async def test_a_missed_plan_and_quarterly_visit_are_overdue_once_each(app, client, feed, settings):
    village = "211204005002"
    hh = uuid.uuid4()
    await feed(registered(hh, village), income(hh, village, "5300.00"))
    case = await wait_for_case(app, hh)
    steps = [("verify", bearer(settings, "village_cadre", village)),
             ("post-notice", bearer(settings, "village_cadre", village)),
             ("review", bearer(settings, "township_staff", "211204005000")),
             ("confirm", bearer(settings, "county_staff", COUNTY))]
    for action, headers in steps:
        if action == "review":
            clock.advance(timedelta(days=6))
        resp = await client.post(f"/api/v1/cases/{case.id}/{action}", headers=headers)
        assert resp.status_code == 200, resp.text
    clock.advance(timedelta(days=92))  # no plan within 15 days, no visit within the quarter
    events = await read_events(settings.kafka_bootstrap_servers, MONITORING_CASE, timeout=20,
                               where=lambda e: e.subject == str(case.id) and e.name == "case.overdue",
                               until=lambda evs: {e.data["step"] for e in evs} >= {"plan", "visit"})
    await sweep_once(app)
    assert sorted(e.data["step"] for e in events) == ["plan", "visit"]
    assert await outbox_count(app, "case.overdue", case.id) == 2
    history = (await client.get(f"/api/v1/cases/{case.id}", headers=steps[-1][1])).json()["history"]
    assert sorted(h["note"] for h in history if h["action"] == "overdue") == ["plan", "visit"]


async def test_a_line_change_rescreens_the_area_in_one_pass(app, client, feed, settings):
    township, village, elsewhere = "211204003000", "211204003001", "211204006001"
    below, newly1, newly2, above, other, housed = (uuid.uuid4() for _ in range(6))
    await feed(*(registered(h, village) for h in (below, newly1, newly2, above)), registered(other, elsewhere),
               registered(housed, village, housing_grade="D"))
    await feed(income(below, village, "5500.00"), income(newly1, village, "6500.00"),
               income(newly2, village, "7000.00"), income(above, village, "9000.00"),
               income(other, elsewhere, "6500.00"), income(housed, village, "6800.00"))
    first = await wait_for_case(app, below)
    housing_case = await wait_for_case(app, housed)  # open for its unsafe house, income still above 6000
    admin = bearer(settings, "county_admin", COUNTY, subject="admin-1")
    current = (await client.get(f"/api/v1/policies/2021/{township}", headers=admin)).json()
    assert current["area_code"] == COUNTY and current["income_line"] == "6000.00"
    values = {k: current[k] for k in current if k not in ("year", "area_code", "version", "updated_by",
                                                          "updated_at")}

    # refused: bad values (422), the wrong role (403), another county (404) — nothing changes
    bad = await client.put(f"/api/v1/policies/2021/{township}", json={**values, "notice_days": 3}, headers=admin)
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    too_long = {**values, "verify_days": 10}
    assert (await client.put(f"/api/v1/policies/2021/{township}", json=too_long, headers=admin)).status_code == 422
    staff = bearer(settings, "township_staff", township)
    assert (await client.put(f"/api/v1/policies/2021/{township}", json=values, headers=staff)).status_code == 403
    stranger = bearer(settings, "county_admin", "211205000000")
    assert (await client.put(f"/api/v1/policies/2021/{township}", json=values, headers=stranger)).status_code == 404
    assert (await client.get(f"/api/v1/policies/2021/{township}", headers=admin)).json()["area_code"] == COUNTY

    resp = await client.put(f"/api/v1/policies/2021/{township}", json={**values, "income_line": "7500.00"},
                            headers=admin)
    assert resp.status_code == 200, resp.text
    result = resp.json()["rescreen"]
    assert result["households_below_line"] == 4
    assert result["signals_opened"] == 3 and result["cases_opened"] == 2 and result["cases_joined"] == 1
    [joined] = await cases_of(app, housed)
    assert joined.id == housing_case.id and joined.risk_types == ["housing", "99"]
    assert [c.id for c in await cases_of(app, below)] == [first.id]
    opened = {h: (await cases_of(app, h))[0] for h in (newly1, newly2)}
    assert all(c.source == "rescreen" and c.stage == "opened" and c.due_at for c in opened.values())
    assert await cases_of(app, above) == [] and await cases_of(app, other) == []
    events = await read_events(settings.kafka_bootstrap_servers, MONITORING_CASE, timeout=20,
                               where=lambda e: e.subject in {str(c.id) for c in opened.values()},
                               until=lambda evs: len(evs) >= 4)
    assert sorted(e.name for e in events) == ["case.opened", "case.opened", "risk.detected", "risk.detected"]
    detected = next(e for e in events if e.name == "risk.detected").data
    assert detected["source"] == "rescreen" and detected["facts"]["income_line"] == "7500.00"

    again = await client.put(f"/api/v1/policies/2021/{township}", json={**values, "income_line": "7500.00"},
                             headers=admin)
    assert again.json()["rescreen"]["signals_opened"] == 0 and again.json()["policy"]["version"] == 2


async def test_the_cluster_alert_fires_once_per_village_and_window(app, client, feed, settings):
    village = "211204004001"
    households = [uuid.uuid4() for _ in range(10)]
    await feed(*(registered(h, village) for h in households))
    await feed(*(income(h, village, "4500.00") for h in households[:7]))
    for h in households[:7]:
        await wait_for_case(app, h)
    alerts = await read_events(settings.kafka_bootstrap_servers, MONITORING_CASE, timeout=20,
                               where=lambda e: e.name == "area.cluster_alert" and e.subject == village,
                               until=lambda evs: len(evs) >= 1)
    assert len(alerts) == 1
    data = alerts[0].data
    assert data["households_total"] == 10 and data["households_with_signals"] == 5
    assert data["threshold"] == "0.1000" and data["window_days"] == 30
    assert await outbox_count(app, "area.cluster_alert", village) == 1

    # what the offices look at: the dashboard and the filtered lists
    county = bearer(settings, "county_staff", COUNTY)
    stats = (await client.get("/api/v1/stats", params={"area_code": COUNTY}, headers=county)).json()
    vill = next(v for v in stats["villages"] if v["area_code"] == village)
    assert vill["households"] == 10 and vill["signals"] == 7 and vill["stages"]["opened"] == 7
    assert vill["signals_by_risk_type"] == {"99": 7}
    town = next(t for t in stats["townships"] if t["area_code"] == "211204004000")
    assert town["cases"] == 7 and stats["totals"]["cases"] >= 7
    listed = (await client.get("/api/v1/cases", headers=county, params={
        "area_code": village, "stage": "opened", "risk_type": "99", "limit": 5})).json()
    assert listed["total"] == 7 and len(listed["items"]) == 5
    cadre = bearer(settings, "village_cadre", village)
    assert (await client.get("/api/v1/stats", params={"area_code": COUNTY}, headers=cadre)).status_code == 404
    mine = (await client.get("/api/v1/cases", headers=cadre)).json()
    assert mine["total"] == 7
    async with app.state.sessions() as session:
        n = (await session.execute(select(func.count()).select_from(Signal).where(Signal.village_code == village)))
        assert n.scalar_one() == 7
    assert await eventually(lambda: True)


async def test_an_income_is_screened_against_the_line_of_its_own_year(app, client, feed, settings):
    township, village = "211204008000", "211204008001"
    year = clock.now().year
    admin = bearer(settings, "county_admin", COUNTY, subject="admin-1")
    current = (await client.get(f"/api/v1/policies/{year}/{township}", headers=admin)).json()
    values = {k: v for k, v in current.items() if k not in ("year", "area_code", "version", "updated_by",
                                                             "updated_at")}

    async def set_line(policy_year: int, amount: str) -> dict:
        resp = await client.put(f"/api/v1/policies/{policy_year}/{township}",
                                json={**values, "income_line": amount}, headers=admin)
        assert resp.status_code == 200, resp.text
        return resp.json()["rescreen"]

    await set_line(year - 1, "7000.00")
    await set_line(year, "6000.00")
    under_its_line, over_its_line = uuid.uuid4(), uuid.uuid4()
    await feed(registered(under_its_line, village, per_capita_income="6500.00", income_year=year - 1),
               registered(over_its_line, village, per_capita_income="7500.00", income_year=year - 1))
    # 6,500 of last year is under last year's 7,000 (this year's 6,000 would have passed it)
    await wait_for_case(app, under_its_line)
    async with app.state.sessions() as session:
        signal = (await session.execute(select(Signal).where(Signal.household_id == under_its_line))).scalar_one()
    assert signal.rule == "income_below_line"
    assert signal.facts["year"] == year - 1 and signal.facts["income_line"] == "7000.00"
    assert await cases_of(app, over_its_line) == []

    # raising this year's line re-screens this year's incomes only; raising last year's finds the other
    assert (await set_line(year, "8000.00"))["households_below_line"] == 0
    assert await cases_of(app, over_its_line) == []
    again = await set_line(year - 1, "8000.00")
    assert again["households_below_line"] == 2 and again["signals_opened"] == 1
    assert len(await cases_of(app, over_its_line)) == 1


async def test_the_fifteen_day_decision_limit_is_overdue_once_and_reaches_the_county(app, client, feed, settings):
    """docs/contract.md §3: from the first signal to the county's decision normally no more than 15 days
    (``decision_days``). Each step done on the day it is due still misses the limit as a whole."""
    village, township = "211204005003", "211204005000"
    hh = uuid.uuid4()
    await feed(registered(hh, village), income(hh, village, "5150.00"))
    case = await wait_for_case(app, hh)
    cadre, town = bearer(settings, "village_cadre", village), bearer(settings, "township_staff", township)
    county = bearer(settings, "county_staff", COUNTY)
    for action, headers, days in (("verify", cadre, 3), ("post-notice", cadre, 2), ("review", town, 7)):
        clock.advance(timedelta(days=days))
        assert (await client.post(f"/api/v1/cases/{case.id}/{action}", headers=headers)).status_code == 200
    listed = await client.get("/api/v1/cases", params={"decision_overdue": "true", "area_code": township},
                              headers=county)
    assert str(case.id) not in [c["id"] for c in listed.json()["items"]]
    clock.advance(timedelta(days=4))  # 16 days after the signal, the county has not decided
    events = await read_events(settings.kafka_bootstrap_servers, MONITORING_CASE, timeout=20,
                               where=lambda e: e.subject == str(case.id) and e.name == "case.overdue"
                               and e.data["step"] == "decision", until=lambda evs: len(evs) >= 1)
    assert len(events) == 1 and events[0].data["escalate_to_area"] == COUNTY
    await sweep_once(app)
    await sweep_once(app)
    async with app.state.sessions() as session:
        misses = (await session.execute(select(func.count()).select_from(DeadlineMiss).where(
            DeadlineMiss.case_id == case.id, DeadlineMiss.step == "decision"))).scalar_one()
    assert misses == 1
    listed = (await client.get("/api/v1/cases", params={"decision_overdue": "true", "area_code": township},
                               headers=county)).json()
    mine = [c for c in listed["items"] if c["household_id"] == str(hh)]
    assert [c["id"] for c in mine] == [str(case.id)] and mine[0]["decision_overdue"]
    assert all(c["decision_overdue"] for c in listed["items"])
    # decided late: off the list, and nothing more is announced
    assert (await client.post(f"/api/v1/cases/{case.id}/confirm", headers=county)).status_code == 200
    listed = (await client.get("/api/v1/cases", params={"decision_overdue": "true", "household_id": str(hh)},
                               headers=county)).json()
    assert listed["total"] == 0
    not_late = (await client.get("/api/v1/cases", params={"decision_overdue": "false", "household_id": str(hh)},
                                 headers=county)).json()
    assert [c["id"] for c in not_late["items"]] == [str(case.id)]


async def test_a_line_change_rescreens_the_later_incomes_the_row_is_in_force_for(app, client, feed, settings):
    township, village = "211204009000", "211204009001"
    year = clock.now().year
    admin = bearer(settings, "county_admin", COUNTY, subject="admin-1")
    current = (await client.get(f"/api/v1/policies/{year}/{township}", headers=admin)).json()
    values = {k: v for k, v in current.items() if k not in ("year", "area_code", "version", "updated_by",
                                                             "updated_at")}
    assert current["year"] < year - 2  # an old row is in force; nothing newer covers this township
    line = Decimal(current["income_line"])
    household = uuid.uuid4()
    await feed(registered(household, village, per_capita_income=str(line + 500), income_year=year - 1))
    assert await cases_of(app, household) == []  # above the line in force
    # a row two years back becomes the one in force for last year's income: its re-screen must see it
    resp = await client.put(f"/api/v1/policies/{year - 2}/{township}",
                            json={**values, "income_line": str(line + 1000)}, headers=admin)
    assert resp.status_code == 200, resp.text
    assert resp.json()["rescreen"]["households_below_line"] == 1 and resp.json()["rescreen"]["signals_opened"] == 1
    [case] = await cases_of(app, household)
    assert case.source == "rescreen"
