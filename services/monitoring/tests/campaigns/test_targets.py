"""Annual targets split to townships; progress moves only when registry / funds events arrive."""

import uuid

from backstop_common.testing import eventually, make_event, publish_events, read_events
from monitoring.campaigns import handlers

from ..clock import clock as mclock
from ..in_turn import in_turn

COUNTY = "211204000000"
NIEJIA, ZHANGXIANG, XIANGYANG = "211204201000", "211204101000", "211204002000"
VILLAGE = "211204201207"


def line(board, area, measure):
    return next(x for x in board["lines"] if x["area_code"] == area and x["measure"] == measure)


async def test_split_parts_may_not_exceed_the_county_total(client, county, as_):
    year = mclock.now().year + 1
    r = await client.post("/api/v1/targets", headers=county,
                          json={"year": year, "area_code": COUNTY, "measure": "lift_people", "target": 85})
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    ok = await client.post(f"/api/v1/targets/{tid}/split", headers=county, json={"parts": [
        {"area_code": XIANGYANG, "target": 2}, {"area_code": ZHANGXIANG, "target": 6}]})
    assert ok.status_code == 200 and [p["target"] for p in ok.json()] == [2, 6]
    too_much = await client.post(f"/api/v1/targets/{tid}/split", headers=county,
                                 json={"parts": [{"area_code": NIEJIA, "target": 78}]})
    assert too_much.status_code == 422 and too_much.headers["content-type"] == "application/problem+json"
    assert too_much.json()["parts_sum"] == 86 and too_much.json()["total"] == 85
    outside = await client.post(f"/api/v1/targets/{tid}/split", headers=county,
                                json={"parts": [{"area_code": "211302001000", "target": 1}]})
    assert outside.status_code == 422
    board = (await client.get(f"/api/v1/boards/{COUNTY}", params={"year": year}, headers=county)).json()
    assert sorted(x["area_code"] for x in board["lines"] if x["measure"] == "lift_people") == [
        COUNTY, XIANGYANG, ZHANGXIANG]  # the refused splits changed nothing
    township = as_("township_staff", NIEJIA)
    assert (await client.post("/api/v1/targets", headers=township, json={
        "year": year, "area_code": NIEJIA, "measure": "industry", "target": 1})).status_code == 403
    assert (await client.post("/api/v1/targets", headers=county, json={
        "year": year, "area_code": COUNTY, "measure": "vibes", "target": 1})).status_code == 422


async def test_board_moves_when_registry_and_funds_events_arrive(client, county, db, settings):
    year = mclock.now().year
    created = {}
    for measure, total in (("lift_households", 39), ("industry", 85), ("housing_d", 8), ("housing", 21)):
        r = await client.post("/api/v1/targets", headers=county,
                              json={"year": year, "area_code": COUNTY, "measure": measure, "target": total})
        created[measure] = r.json()["id"]
    await client.post(f"/api/v1/targets/{created['lift_households']}/split", headers=county, json={"parts": [
        {"area_code": XIANGYANG, "target": 1}, {"area_code": ZHANGXIANG, "target": 3},
        {"area_code": NIEJIA, "target": 35}]})
    board = (await client.get(f"/api/v1/boards/{COUNTY}", params={"year": year}, headers=county)).json()
    assert line(board, COUNTY, "lift_households")["done"] == 0
    assert line(board, NIEJIA, "lift_households")["remaining"] == 35

    lifted = await db.household(VILLAGE, poverty_status="poor", size=3)
    renovated = await db.household(VILLAGE, housing_grade="D", size=2)
    status = make_event("registry", "household.status_changed", lifted, {
        "household_id": str(lifted), "village_code": VILLAGE, "previous_status": "poor",
        "poverty_status": "lifted", "year_lifted": year, "dibao": False, "tekun": False}, area_code=VILLAGE)
    measure = make_event("registry", "household.measure_given", lifted, {
        "household_id": str(lifted), "village_code": VILLAGE, "measure_id": str(uuid.uuid4()),
        "measure_type": "industry", "amount": "20000.00", "given_on": f"{year}-03-01", "unit": "agriculture"},
        area_code=VILLAGE)

    def subsidy(instalment: str):
        return make_event("funds", "subsidy.paid", uuid.uuid4(), {
            "subsidy_id": str(uuid.uuid4()), "household_id": str(renovated), "member_id": None,
            "village_code": VILLAGE, "kind": "housing_renovation", "period": str(year), "amount": instalment,
            "allocation_id": str(uuid.uuid4())}, area_code=VILLAGE)

    first = subsidy("30000.00")
    await publish_events(settings.kafka_bootstrap_servers, "registry.household", [status, measure, status])
    await publish_events(settings.kafka_bootstrap_servers, "funds.finance", [first, first, subsidy("15000.00")])

    async def moved():
        b = (await client.get(f"/api/v1/boards/{COUNTY}", params={"year": year}, headers=county)).json()
        return b if line(b, COUNTY, "housing_d")["done"] == 1 and line(b, COUNTY, "industry")["done"] == 3 \
            and line(b, COUNTY, "lift_households")["done"] == 1 else None

    board = await eventually(moved, timeout=20)
    assert board, "board did not move"
    assert line(board, NIEJIA, "lift_households")["done"] == 1
    assert line(board, ZHANGXIANG, "lift_households")["done"] == 0
    assert line(board, COUNTY, "housing")["done"] == 1  # two instalments, one renovated house
    assert line(board, COUNTY, "industry")["remaining"] == 82
    assert all({"target", "done", "remaining", "expected_by_now", "behind_schedule"} <= set(x) for x in board["lines"])

    events = await read_events(settings.kafka_bootstrap_servers, "monitoring.campaign", lambda es: len(es) >= 2,
                               where=lambda e: e.name == "target.progressed"
                               and e.data["target_id"] in (created["lift_households"], created["housing_d"]))
    assert {(e.data["measure"], e.data["done"]) for e in events} == {("lift_households", 1), ("housing_d", 1)}
    township_board = (await client.get(f"/api/v1/boards/{NIEJIA}", params={"year": year}, headers=county)).json()
    assert [(x["measure"], x["done"], x["target"]) for x in township_board["lines"]] == [("lift_households", 1, 35)]
    xlsx = await client.get("/api/v1/reports/targets.xlsx", params={"area_code": COUNTY, "year": year}, headers=county)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


async def test_demo_targets_of_qinghe_2020(app, client, county):
    from backstop_common.jobs import unit_of_work
    from monitoring.campaigns.seed import load_demo_targets

    async with unit_of_work(app) as uow:
        await load_demo_targets(uow)
        await load_demo_targets(uow)  # idempotent
    board = (await client.get(f"/api/v1/boards/{COUNTY}", params={"year": 2020}, headers=county)).json()
    assert line(board, COUNTY, "lift_households")["target"] == 39 and line(board, NIEJIA, "lift_people")["target"] == 77
    assert line(board, COUNTY, "housing_c")["target"] == 13 and line(board, COUNTY, "dibao")["target"] == 48
    assert line(board, COUNTY, "education")["behind_schedule"]  # 2020 is over and nothing was counted


async def test_two_households_progress_a_target_in_the_order_they_commit(app, client, county):
    """Two households' events (two partitions, two handlers) progress one target at once and share no row: the
    second waits for the first (``hold_subjects``), draws the later seq and counts the first's progress too."""
    year = mclock.now().year + 2
    r = await client.post("/api/v1/targets", headers=county,
                          json={"year": year, "area_code": COUNTY, "measure": "industry", "target": 5})
    assert r.status_code == 201, r.text
    events = [make_event("registry", "household.measure_given", h, {"year": year}, area_code=VILLAGE)
              for h in (uuid.uuid4(), uuid.uuid4())]

    def progress(event):
        return lambda uow: handlers.count(uow, event, "industry", event.data["year"], event.subject, VILLAGE, 1)
    ids, rows = await in_turn(app, progress(events[0]), progress(events[1]))
    assert [row.id for row in rows] == ids
    assert [row.data["done"] for row in rows] == [1, 2]
