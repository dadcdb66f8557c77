"""A campaign over an area opens exactly the problems its data implies, none twice; bad input changes nothing."""

from datetime import timedelta

from backstop_common.money import MONEY_MAX
from backstop_common.testing import read_events

from ..clock import clock as mclock

TOWNSHIP = "211204101000"  # 张相镇
V1, V2 = "211204101200", "211204101201"
CHECKS = ["edu.dropout", "med.insured", "house.safe", "water.safe", "dibao.covered", "result.income_6500",
          "duty.village_mechanism"]


def campaign_body(area=TOWNSHIP, checks=CHECKS, days=20):
    now = mclock.now()
    return {"name": "2026 大排查", "area_code": area, "checks": checks,
            "investigation_due": (now + timedelta(days=days)).isoformat(),
            "rectification_due": (now + timedelta(days=days + 30)).isoformat()}


async def test_campaign_opens_exactly_the_problems_the_data_implies(client, county, as_, db, settings):
    await db.policy("211204000000", mclock.now().year, "6000")
    h_dropout = await db.household(V1, dropout_members=1, per_capita_income="9000", safe_water=True)
    h_gaps = await db.household(V1, uninsured_members=2, housing_grade="D", per_capita_income="8000")
    h_poor = await db.household(V2, per_capita_income="3000")
    h_dibao = await db.household(V2, per_capita_income="3000", dibao=True)
    h_fine = await db.household(V2, per_capita_income="9000", housing_grade="A", safe_water=True)
    await db.household("211204102200", dropout_members=1)  # another township: outside the campaign

    r = await client.post("/api/v1/campaigns", json=campaign_body(), headers=county)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    run = await client.post(f"/api/v1/campaigns/{cid}/run", headers=county)
    assert run.status_code == 200, run.text
    assert run.json()["opened"] == 6 and run.json()["closed"] == 0

    items = (await client.get("/api/v1/problems", params={"campaign_id": cid}, headers=county)).json()["items"]
    found = {(p["check_code"], p["household_id"]) for p in items}
    assert found == {("edu.dropout", str(h_dropout)), ("med.insured", str(h_gaps)), ("house.safe", str(h_gaps)),
                     ("dibao.covered", str(h_poor)), ("result.income_6500", str(h_poor)),
                     ("result.income_6500", str(h_dibao))}
    units = {p["check_code"]: p["responsible_unit"] for p in items}
    assert units["edu.dropout"] == "education" and units["med.insured"] == "health_insurance"
    assert units["house.safe"] == "housing" and units["dibao.covered"] == "civil_affairs"
    assert all(p["due_at"] == items[0]["due_at"] and p["status"] == "opened" for p in items)

    again = (await client.post(f"/api/v1/campaigns/{cid}/run", headers=county)).json()
    assert (again["opened"], again["closed"]) == (0, 0)

    # the data moves: the dropout is back at school, a well fails
    await db.execute("UPDATE household_facts SET dropout_members = 0 WHERE household_id = :h", h=h_dropout)
    await db.execute("UPDATE household_facts SET safe_water = false WHERE household_id = :h", h=h_fine)
    third = (await client.post(f"/api/v1/campaigns/{cid}/run", headers=county)).json()
    assert (third["opened"], third["closed"]) == (1, 1)
    assert third["by_check"]["water.safe"] == {"opened": 1, "closed": 0}
    closed = (await client.get("/api/v1/problems", params={"campaign_id": cid, "status": "closed"},
                               headers=county)).json()["items"]
    assert [(p["household_id"], p["closed_reason"]) for p in closed] == [(str(h_dropout), "data_fixed")]

    opened = await read_events(settings.kafka_bootstrap_servers, "monitoring.campaign", lambda es: len(es) >= 7,
                               where=lambda e: e.name == "problem.opened" and e.data["campaign_id"] == cid)
    assert len(opened) == 7 and len({e.data["problem_id"] for e in opened}) == 7
    sample = next(e for e in opened if e.data["check"] == "edu.dropout")
    assert sample.data["responsible_unit"] == "education" and sample.area_code == V1
    assert sample.data["title"] and sample.data["actor"]["role"] == "county_admin"
    started = await read_events(settings.kafka_bootstrap_servers, "monitoring.campaign", lambda es: len(es) >= 1,
                                where=lambda e: e.name == "campaign.started" and e.subject == cid)
    assert started[0].data["checks"] == CHECKS

    # a question answered at the visit, by whom and when
    cadre = as_("village_cadre", V1, subject="cadre-v1")
    ans = await client.post(f"/api/v1/campaigns/{cid}/answers", headers=cadre, json={
        "check": "duty.village_mechanism", "area_code": V1, "passed": False, "note": "无专职防贫监测员"})
    assert ans.status_code == 201, ans.text
    assert ans.json()["answered_by"] == "cadre-v1" and ans.json()["problem_id"]
    problem = (await client.get(f"/api/v1/problems/{ans.json()['problem_id']}", headers=county)).json()
    assert problem["responsible_unit"] == "village" and problem["steps"][0]["actor_user_id"] == "cadre-v1"
    again = await client.post(f"/api/v1/campaigns/{cid}/answers", headers=cadre, json={
        "check": "duty.village_mechanism", "area_code": V1, "passed": False})
    assert again.json()["problem_id"] is None  # still the one problem
    fixed = await client.post(f"/api/v1/campaigns/{cid}/answers", headers=cadre, json={
        "check": "duty.village_mechanism", "area_code": V1, "passed": True, "note": "已配备"})
    assert fixed.json()["passed"] is True
    problem = (await client.get(f"/api/v1/problems/{ans.json()['problem_id']}", headers=county)).json()
    assert (problem["status"], problem["closed_reason"]) == ("closed", "answered_passed")
    wrong = await client.post(f"/api/v1/campaigns/{cid}/answers", headers=cadre, json={
        "check": "edu.dropout", "household_id": str(h_poor), "passed": False})
    assert wrong.status_code == 422  # a data check is not answered by hand


async def test_bad_campaigns_and_checks_are_refused_and_change_nothing(client, county, db):
    before = (await client.get("/api/v1/campaigns", headers=county)).json()["total"]
    cases = [campaign_body(checks=[]), campaign_body(days=-1), campaign_body(checks=["no.such.check"])]
    for body in cases:
        r = await client.post("/api/v1/campaigns", json=body, headers=county)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
    assert (await client.get("/api/v1/campaigns", headers=county)).json()["total"] == before

    bad = {"code": "x.bad", "title": "?", "kind": "data", "fact": "household_vibes", "responsible_unit": "housing"}
    r = await client.post("/api/v1/checks", json=bad, headers=county)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert "dropout" in r.json()["known_facts"]
    codes = [c["code"] for c in (await client.get("/api/v1/checks", headers=county)).json()]
    assert "x.bad" not in codes and "edu.dropout" in codes and len(codes) >= 17

    good = {**bad, "code": "x.water", "fact": "unsafe_water"}
    assert (await client.post("/api/v1/checks", json=good, headers=county)).status_code == 201


async def test_a_check_threshold_past_its_column_is_a_422_not_a_500(client, county):
    """Issue 20: an unbounded threshold reached NUMERIC(14,2) and answered 500 (NumericValueOutOfRangeError)."""
    body = {"code": "x.rich", "title": "收入过高", "kind": "data", "fact": "income_below_line",
            "threshold": "1000000000000", "responsible_unit": "poverty_office"}
    r = await client.post("/api/v1/checks", json=body, headers=county)
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert error["loc"][-1] == "threshold" and str(MONEY_MAX) in error["msg"]
    codes = [c["code"] for c in (await client.get("/api/v1/checks", headers=county)).json()]
    assert "x.rich" not in codes


async def test_asyncapi_lists_the_campaign_events_and_the_funds_topic(client):
    doc = (await client.get("/asyncapi.json")).json()
    names = {m["name"] for m in doc["components"]["messages"].values()}
    assert {"backstop.monitoring.campaign.started.v1", "backstop.monitoring.problem.overdue.v1",
            "backstop.monitoring.target.progressed.v1", "backstop.funds.subsidy.paid.v1"} <= names
    assert "funds.finance" in {c["address"] for c in doc["channels"].values()}


async def test_relocated_households_without_follow_up_support_are_problems(client, county, db):
    """Seed 002: 易地搬迁户…是否享受了搬迁后续扶持政策(就业、产业、社会保障至少享受1项)."""
    village = "211204101202"
    bare = await db.household(village, relocated=True, per_capita_income="9000")
    await db.household(village, relocated=True, per_capita_income="9000", measures_given=["employment"])
    await db.household(village, relocated=True, per_capita_income="9000", dibao=True)
    await db.household(village, per_capita_income="9000")  # not relocated
    r = await client.post("/api/v1/campaigns", json=campaign_body(area=village, checks=["work.relocation_support"]),
                          headers=county)
    assert r.status_code == 201, r.text
    run = (await client.post(f"/api/v1/campaigns/{r.json()['id']}/run", headers=county)).json()
    assert run["opened"] == 1
    items = (await client.get("/api/v1/problems", params={"campaign_id": r.json()["id"]}, headers=county)).json()
    assert [(p["household_id"], p["responsible_unit"]) for p in items["items"]] == [(str(bare), "natural_resources")]
