"""A household created, assessed and changed through the API, with its full file and history."""

import asyncio

from backstop_common.testing import read_events
from backstop_common.topics import REGISTRY_HOUSEHOLD
from tests.factory import auth, household, id_number, member

VILLAGE = "211204001001"


async def _register(client, settings, *members, **kw):
    resp = await client.post("/api/v1/households", json=household(VILLAGE, *members, **kw), headers=auth(settings))
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_created_assessed_changed_shows_full_history(client, settings):
    hh = await _register(client, settings, member(name="王大山", labour_capacity="full"),
                         member("配偶", name="李秀英", sex="female", id_number=id_number(sex="female")),
                         member("之子", name="王小明", id_number=id_number("20100305"), schooling_stage="primary",
                                schooling_status="enrolled"),
                         helpers=[{"name": "刘干部", "phone": "13912345678", "unit": "区农业局", "user_id": "u-liu"}],
                         main_cause="illness", tags=["脱贫不稳定户"])
    hid, headers = hh["id"], auth(settings)
    assert hh["size"] == 3 and hh["version"] == 1 and len(hh["members"]) == 3
    first = await client.post(f"/api/v1/households/{hid}/income-assessments", headers=headers, json={
        "year": 2023, "wage": "12000", "business": "3000", "business_costs": "1000", "property": "0",
        "transfer": "1000.50"})
    assert first.status_code == 201, first.text
    assert first.json()["per_capita_income"] == "5000.17" and first.json()["net_income"] == "15000.50"
    second = await client.post(f"/api/v1/households/{hid}/income-assessments", headers=headers, json={
        "year": 2024, "wage": "6000", "business": "0", "business_costs": "0", "property": "0", "transfer": "0"})
    assert second.json()["per_capita_income"] == "2000.00"
    housing = await client.post(f"/api/v1/households/{hid}/housing-assessments", headers=headers,
                                json={"grade": "C", "assessed_on": "2024-05-01"})
    assert housing.status_code == 201, housing.text
    water = await client.post(f"/api/v1/households/{hid}/water-assessments", headers=headers,
                              json={"safe_water": False, "assessed_on": "2024-05-02"})
    assert water.status_code == 201
    disaster = await client.post(f"/api/v1/households/{hid}/disasters", headers=headers, json={
        "disaster_type": "0201", "loss_amount": "8000", "occurred_on": "2024-07-20"})
    assert disaster.status_code == 201
    measure = await client.post(f"/api/v1/households/{hid}/measures", headers=headers, json={
        "measure_type": "housing", "description": "危房改造", "amount": "5000", "given_on": "2024-08-01",
        "unit": "区住建局"})
    assert measure.status_code == 201
    current = (await client.get(f"/api/v1/households/{hid}", headers=headers)).json()
    patch = await client.patch(f"/api/v1/households/{hid}", headers={**headers, "If-Match": str(current["version"])},
                               json={"dibao": True, "tags": ["脱贫不稳定户", "低保户"]})
    assert patch.status_code == 200, patch.text
    son = next(m for m in current["members"] if m["relation"] == "之子")
    changed = await client.patch(f"/api/v1/members/{son['id']}", headers={**headers, "If-Match": str(son["version"])},
                                 json={"schooling_status": "dropped_out"})
    assert changed.status_code == 200, changed.text
    wife = next(m for m in current["members"] if m["relation"] == "配偶")
    sick = await client.patch(f"/api/v1/members/{wife['id']}", headers={**headers, "If-Match": "1"}, json={
        "health": "major_illness", "illness": "尿毒症", "medical_out_of_pocket": "23000", "medical_cost_year": 2024})
    assert sick.status_code == 200, sick.text
    head = next(m for m in current["members"] if m["relation"] == "户主")
    for version, employment in ((1, "migrant"), (2, "none")):
        resp = await client.patch(f"/api/v1/members/{head['id']}", headers={**headers, "If-Match": str(version)},
                                  json={"employment": employment})
        assert resp.status_code == 200, resp.text
    gone = await client.post(f"/api/v1/members/{son['id']}/removal", headers=headers,
                             json={"reason": "migration", "effective_on": "2024-09-01"})
    assert gone.status_code == 200, gone.text

    file = (await client.get(f"/api/v1/households/{hid}", headers=headers)).json()
    assert file["per_capita_income"] == "2000.00" and file["income_year"] == 2024
    assert [a["year"] for a in file["income_assessments"]] == [2024, 2023]
    assert file["housing_grade"] == "C" and file["safe_water"] is False and file["dibao"] is True
    assert file["size"] == 2 and len(file["members"]) == 2 and file["former_members"][0]["id"] == son["id"]
    assert len(file["disasters"]) == 1 and len(file["measures"]) == 1 and file["helpers"][0]["user_id"] == "u-liu"

    history = (await client.get(f"/api/v1/households/{hid}/history?limit=100", headers=headers)).json()
    rows = history["items"]
    assert history["total"] == len(rows) > 10
    assert all(r["actor"] == "village_cadre@211204001001" and r["changed_at"] for r in rows)
    fields = {(r["entity"], r["field"]): r for r in rows if r["field"]}
    assert fields[("household", "dibao")]["old_value"] is False and fields[("household", "dibao")]["new_value"] is True
    assert fields[("member", "schooling_status")]["new_value"] == "dropped_out"
    assert fields[("income_assessment", "per_capita_income")]["old_value"] == "5000.17"
    assert fields[("housing_assessment", "housing_grade")]["new_value"] == "C"
    assert {r["action"] for r in rows} >= {"registered", "assessed", "updated", "reported", "given", "removed"}

    events = await read_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, where=lambda e: e.subject == hid,
                               until=lambda evs: len(evs) >= 15)
    by_name = {}
    for e in events:
        by_name.setdefault(e.name, []).append(e.data)
    assert by_name["household.registered"][0]["helper_user_ids"] == ["u-liu"]
    assert by_name["household.registered"][0]["main_cause"] == "illness"
    income = by_name["household.income_assessed"]
    assert income[1]["previous_per_capita_income"] == "5000.17" and income[1]["previous_year"] == 2023
    assert income[1]["per_capita_income"] == "2000.00" and income[0]["previous_per_capita_income"] is None
    assert by_name["household.status_changed"][0]["dibao"] is True
    assert by_name["household.updated"][0]["changed"] == ["tags"]
    assert by_name["household.housing_assessed"][0] == {
        "household_id": hid, "village_code": VILLAGE, "grade": "C", "previous_grade": None, "assessed_on": "2024-05-01"}
    assert by_name["household.water_assessed"][0]["safe_water"] is False
    assert by_name["household.disaster_reported"][0]["loss_amount"] == "8000.00"
    assert by_name["household.measure_given"][0]["measure_type"] == "housing"
    assert by_name["household.helper_assigned"][0]["helper_user_id"] == "u-liu"
    health = by_name["member.health_changed"][0]
    assert health["health"] == "major_illness" and health["previous_health"] == "healthy"
    assert health["medical_out_of_pocket"] == "23000.00" and health["year"] == 2024
    assert by_name["member.schooling_changed"][0]["status"] == "dropped_out"
    assert by_name["member.schooling_changed"][0]["stage"] == "primary"
    assert [e["job_lost"] for e in by_name["member.employment_changed"]] == [False, True]
    assert by_name["member.removed"][0]["reason"] == "migration" and by_name["member.removed"][0]["size"] == 2
    text = str([e.data for e in events])
    for secret in ("王大山", "李秀英", "尿毒症", "13912345678", head["id_number"], "刘干部"):
        assert secret not in text


async def test_stale_if_match_is_409_and_concurrent_updates_lose_nothing(client, settings):
    hh = await _register(client, settings, member())
    url, headers = f"/api/v1/households/{hh['id']}", {**auth(settings), "If-Match": "1"}
    first, second = await asyncio.gather(client.patch(url, headers=headers, json={"tags": ["a"]}),
                                         client.patch(url, headers=headers, json={"tags": ["b"]}))
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    loser = first if first.status_code == 409 else second
    assert loser.headers["content-type"] == "application/problem+json"
    assert loser.json()["current_version"] == 2
    winner = first if first.status_code == 200 else second
    assert (await client.get(url, headers=auth(settings))).json()["tags"] == winner.json()["tags"]
    missing = await client.patch(url, headers=auth(settings), json={"tags": ["c"]})
    assert missing.status_code == 428


async def test_duplicate_and_invalid_id_numbers_are_refused(client, settings):
    taken = id_number()
    await _register(client, settings, member(id_number=taken))
    dup = await client.post("/api/v1/households", headers=auth(settings),
                            json=household(VILLAGE, member(id_number=taken)))
    assert dup.status_code == 409 and "另一户" in dup.json()["detail"]  # zh-CN unless asked
    bad = taken[:-1] + ("0" if taken[-1] != "0" else "1")
    resp = await client.post("/api/v1/households", headers=auth(settings), json=household(VILLAGE, member(id_number=bad)))
    assert resp.status_code == 422 and "校验位" in resp.json()["detail"]
    english = await client.post("/api/v1/households", headers={**auth(settings), "Accept-Language": "en"},
                                json=household(VILLAGE, member(id_number=bad)))
    assert english.status_code == 422 and "check digit" in english.json()["detail"]
    headless = await client.post("/api/v1/households", headers=auth(settings),
                                 json=household(VILLAGE, member("配偶")))
    assert headless.status_code == 422 and "户主" in headless.json()["detail"]
    unknown = await client.post("/api/v1/households", headers=auth(settings, "county_admin", "211204000000"),
                                json=household("211204009009", member()))
    assert unknown.status_code == 422 and "未知的行政村代码" in unknown.json()["detail"]
    hh = await _register(client, settings, member())
    absurd = await client.post(f"/api/v1/households/{hh['id']}/income-assessments", headers=auth(settings), json={
        "year": 2024, "wage": "-5", "business": "0", "business_costs": "0", "property": "0", "transfer": "0"})
    assert absurd.status_code == 422


async def test_legacy_15_digit_number_is_upgraded(client, settings):
    hh = await _register(client, settings, member(id_number="211204511111003"))
    upgraded = hh["members"][0]["id_number"]
    assert upgraded[:17] == "21120419511111003" and len(upgraded) == 18
    assert hh["members"][0]["birth_date"] == "1951-11-11" and hh["members"][0]["sex"] == "male"


async def test_move_to_a_village_outside_the_area_is_refused(client, settings):
    hh = await _register(client, settings, member())
    resp = await client.patch(f"/api/v1/households/{hh['id']}", headers={**auth(settings), "If-Match": "1"},
                              json={"village_code": "211204002001"})
    assert resp.status_code == 404
    township = auth(settings, "township_staff", "211204001000")
    moved = await client.patch(f"/api/v1/households/{hh['id']}", headers={**township, "If-Match": "1"},
                               json={"village_code": "211204001002"})
    assert moved.status_code == 200 and moved.json()["village_code"] == "211204001002"


async def test_member_moves_within_the_area_only(client, settings):
    home = await _register(client, settings, member(), member("之子", id_number=id_number("19990101")))
    son = next(m for m in home["members"] if not m["is_head"])
    target = await _register(client, settings, member())
    elsewhere = await client.post("/api/v1/households", headers=auth(settings, "village_cadre", "211204002001"),
                                  json=household("211204002001", member()))
    assert elsewhere.status_code == 201
    refused = await client.post(f"/api/v1/members/{son['id']}/move", headers={**auth(settings), "If-Match": "1"},
                                json={"household_id": elsewhere.json()["id"]})
    assert refused.status_code == 404
    moved = await client.post(f"/api/v1/members/{son['id']}/move", headers={**auth(settings), "If-Match": "1"},
                              json={"household_id": target["id"]})
    assert moved.status_code == 200, moved.text
    assert (await client.get(f"/api/v1/households/{home['id']}", headers=auth(settings))).json()["size"] == 1
    assert (await client.get(f"/api/v1/households/{target['id']}", headers=auth(settings))).json()["size"] == 2
    events = await read_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD,
                               where=lambda e: e.data.get("member_id") == son["id"], until=lambda evs: len(evs) >= 2)
    assert {(e.name, e.subject) for e in events} == {("member.removed", home["id"]), ("member.added", target["id"])}


async def test_new_head_then_old_head_leaves(client, settings):
    hh = await _register(client, settings, member(name="老户主", id_number=id_number("19400101")),
                         member("之子", name="儿子", id_number=id_number("19700101")))
    old = next(m for m in hh["members"] if m["is_head"])
    son = next(m for m in hh["members"] if not m["is_head"])
    early = await client.post(f"/api/v1/members/{old['id']}/removal", headers=auth(settings),
                              json={"reason": "death", "effective_on": "2024-01-05"})
    assert early.status_code == 422
    changed = await client.post(f"/api/v1/households/{hh['id']}/head", headers={**auth(settings), "If-Match": "1"},
                                json={"member_id": son["id"], "previous_head_relation": "之父"})
    assert changed.status_code == 200, changed.text
    assert next(m for m in changed.json()["members"] if m["is_head"])["id"] == son["id"]
    gone = await client.post(f"/api/v1/members/{old['id']}/removal", headers=auth(settings),
                             json={"reason": "death", "effective_on": "2024-01-05"})
    assert gone.status_code == 200 and gone.json()["removed_reason"] == "death"


async def test_a_day_outside_1900_2100_is_refused_and_stores_nothing(client, settings):
    """The deep fuzz stored "0001-01-01", which asyncpg writes as -infinity and the file served as "-infinity"."""
    hh = await _register(client, settings, member())
    hid, headers = hh["id"], auth(settings)
    for path, body in (("housing-assessments", {"grade": "C", "assessed_on": "0001-01-01"}),
                       ("water-assessments", {"safe_water": False, "assessed_on": "9999-12-31"}),
                       ("disasters", {"disaster_type": "0201", "loss_amount": "1", "occurred_on": "0001-01-01"}),
                       ("measures", {"measure_type": "housing", "description": "危房改造", "given_on": "1899-12-31",
                                     "unit": "区住建局"})):
        refused = await client.post(f"/api/v1/households/{hid}/{path}", headers=headers, json=body)
        assert refused.status_code == 422, (path, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"][0]["loc"][-1] in body, refused.json()
    file = (await client.get(f"/api/v1/households/{hid}", headers=headers)).json()
    assert file["version"] == hh["version"] and "infinity" not in str(file)


async def test_an_added_member_is_published_with_the_facts_a_listed_one_carries(client, settings):
    """member.added brings what household.registered lists of each member (schooling, health, insurance) so
    funds and monitoring know an added pupil as a listed one; a birth date against the ID number is refused,
    both dates as the county reads them."""
    hh = await _register(client, settings, member())
    pupil = member("之子", name="王小明", id_number=id_number("20120901"), schooling_stage="junior",
                   schooling_status="dropped_out", boarding=True, medical_insurance=False, disability_grade=3)
    wrong = await client.post(f"/api/v1/households/{hh['id']}/members", headers=auth(settings),
                              json={**pupil, "birth_date": "2012-09-02"})
    assert wrong.status_code == 422
    assert "2012年9月2日" in wrong.json()["detail"] and "2012年9月1日" in wrong.json()["detail"], wrong.text
    added = await client.post(f"/api/v1/households/{hh['id']}/members", headers=auth(settings), json=pupil)
    assert added.status_code == 201, added.text
    [event] = await read_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD,
                                where=lambda e: e.name == "member.added" and e.data["member_id"] == added.json()["id"],
                                until=lambda evs: len(evs) >= 1)
    assert event.data["size"] == 2 and event.data["birth_year"] == 2012
    assert event.data["facts"] == {"health": "healthy", "disability_grade": 3, "labour_capacity": "full",
                                   "schooling_stage": "junior", "schooling_status": "dropped_out", "boarding": True,
                                   "medical_insurance": False}
    assert "name" not in event.data and "id_number" not in event.data["facts"]
