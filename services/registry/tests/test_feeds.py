"""Department feeds: matched records update and publish; unmatched ones come back."""

from backstop_common.testing import read_events
from backstop_common.topics import REGISTRY_HOUSEHOLD
from tests.factory import auth, household, id_number, member

VILLAGE = "211204001001"


async def _register(client, settings, *members):
    resp = await client.post("/api/v1/households", json=household(VILLAGE, *members), headers=auth(settings))
    assert resp.status_code == 201, resp.text
    return resp.json()


def _dept(settings, department):
    return auth(settings, "department", "211204000000", department=department)


async def test_feeds_update_matched_and_return_unmatched(client, settings):
    pupil_id, head_id = id_number("20110203"), id_number()
    hh = await _register(client, settings, member(id_number=head_id),
                         member("之子", id_number=pupil_id, schooling_stage="junior", schooling_status="enrolled"))
    hid, stranger = hh["id"], id_number()

    health = await client.post("/api/v1/feeds/health_insurance", headers=_dept(settings, "health_insurance"), json={
        "records": [{"id_number": head_id, "year": 2024, "medical_out_of_pocket": "31000", "insured": False},
                    {"id_number": stranger, "year": 2024, "medical_out_of_pocket": "100"},
                    {"id_number": "123", "year": 2024, "medical_out_of_pocket": "5"}]})
    assert health.status_code == 200, health.text
    english = await client.post("/api/v1/feeds/health_insurance", headers={
        **_dept(settings, "health_insurance"), "Accept-Language": "en"}, json={"records": [
            {"id_number": stranger, "year": 2024, "medical_out_of_pocket": "100"},
            {"id_number": "123", "year": 2024, "medical_out_of_pocket": "5"}]})
    assert [u["reason"] for u in english.json()["unmatched"]] == [
        "no current member with this ID number in your area",
        "invalid ID number: ID number must have 18 characters (or 15 legacy digits), got 3"]
    body = health.json()
    assert body["matched"] == 1 and body["changed"] == 1
    assert [(u["index"], u["reason"][:6]) for u in body["unmatched"]] == [(1, "您的辖区内没"), (2, "证件号码无效")]
    assert stranger not in health.text

    education = await client.post("/api/v1/feeds/education", headers=_dept(settings, "education"), json={
        "records": [{"id_number": pupil_id, "stage": "junior", "status": "dropped_out"}]})
    assert education.json()["matched"] == 1
    civil = await client.post("/api/v1/feeds/civil_affairs", headers=_dept(settings, "civil_affairs"), json={
        "records": [{"id_number": pupil_id, "dibao": True}]})
    assert civil.json()["changed"] == 1
    housing = await client.post("/api/v1/feeds/housing", headers=_dept(settings, "housing"), json={
        "records": [{"id_number": head_id, "grade": "D", "assessed_on": "2024-06-01"}]})
    assert housing.json()["changed"] == 1
    again = await client.post("/api/v1/feeds/housing", headers=_dept(settings, "housing"), json={
        "records": [{"id_number": head_id, "grade": "D", "assessed_on": "2024-06-01"}]})
    assert again.json() | {"unmatched": []} == again.json() and again.json()["changed"] == 0

    file = (await client.get(f"/api/v1/households/{hid}", headers=auth(settings))).json()
    head = next(m for m in file["members"] if m["is_head"])
    pupil = next(m for m in file["members"] if not m["is_head"])
    assert head["medical_out_of_pocket"] == "31000.00" and head["medical_insurance"] is False
    assert pupil["schooling_status"] == "dropped_out"
    assert file["dibao"] is True and file["housing_grade"] == "D"
    assert file["housing_assessments"][0]["source"] == "feed:housing"

    events = await read_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, where=lambda e: e.subject == hid,
                               until=lambda evs: len(evs) >= 6)
    names = [e.name for e in events]
    for name in ("member.health_changed", "member.insurance_changed", "member.schooling_changed",
                 "household.status_changed", "household.housing_assessed"):
        assert name in names
    health_event = next(e for e in events if e.name == "member.health_changed").data
    assert health_event["medical_out_of_pocket"] == "31000.00" and health_event["year"] == 2024


async def test_feed_needs_its_department_and_valid_records(client, settings):
    wrong = await client.post("/api/v1/feeds/education", headers=_dept(settings, "housing"),
                              json={"records": [{"id_number": id_number(), "stage": "junior", "status": "enrolled"}]})
    assert wrong.status_code == 403
    bad = await client.post("/api/v1/feeds/education", headers=_dept(settings, "education"),
                            json={"records": [{"id_number": id_number(), "stage": "kindergarten"}]})
    assert bad.status_code == 422 and bad.json()["errors"]
    unknown = await client.post("/api/v1/feeds/police", headers=_dept(settings, "police"), json={"records": []})
    assert unknown.status_code == 422


async def test_public_security_human_resources_disability_and_water_feeds(client, settings):
    """The departments the seeds name (seed 004: 户籍、就业、社会保险…残疾人): deaths and moves out of the
    county end a membership with the reason; employment, disability grade and water change the file."""
    head_id, wife_id, son_id, lone_id = id_number(), id_number(sex="female"), id_number("19990101"), id_number()
    hh = await _register(client, settings, member(id_number=head_id, employment="migrant"),
                         member("配偶", id_number=wife_id), member("之子", id_number=son_id, employment="local"))
    lone = await _register(client, settings, member(id_number=lone_id))
    police = await client.post("/api/v1/feeds/public_security", headers=_dept(settings, "public_security"), json={
        "records": [{"id_number": head_id, "event": "death", "effective_on": "2026-06-02"},
                    {"id_number": wife_id, "event": "death", "effective_on": "2026-05-03"},
                    {"id_number": son_id, "event": "moved_out", "effective_on": "2026-06-01"},
                    {"id_number": lone_id, "event": "death", "effective_on": "2026-06-02"},
                    {"id_number": id_number(), "event": "death", "effective_on": "2026-06-02"}]})
    assert police.status_code == 200, police.text
    body = police.json()
    assert (body["matched"], body["changed"]) == (3, 3)
    reasons = {u["index"]: u["reason"] for u in body["unmatched"]}
    assert set(reasons) == {0, 4} and "户主" in reasons[0] and "没有该证件号码" in reasons[4]
    file = (await client.get(f"/api/v1/households/{hh['id']}", headers=auth(settings))).json()
    assert file["size"] == 1 and [m["relation"] for m in file["members"] if not m.get("removed_on")] == ["户主"]
    lone_file = (await client.get(f"/api/v1/households/{lone['id']}", headers=auth(settings))).json()
    assert lone_file["size"] == 0

    jobs = await client.post("/api/v1/feeds/human_resources", headers=_dept(settings, "human_resources"), json={
        "records": [{"id_number": head_id, "employment": "none"}, {"id_number": wife_id, "employment": "local"}]})
    assert jobs.json()["changed"] == 1 and jobs.json()["unmatched"][0]["index"] == 1  # she died
    grade = await client.post("/api/v1/feeds/disabled_federation", headers=_dept(settings, "disabled_federation"),
                              json={"records": [{"id_number": head_id, "disability_grade": 2}]})
    water = await client.post("/api/v1/feeds/water", headers=_dept(settings, "water"), json={
        "records": [{"id_number": head_id, "safe_water": False, "assessed_on": "2026-06-05"}]})
    assert grade.json()["changed"] == 1 and water.json()["changed"] == 1
    wrong = await client.post("/api/v1/feeds/water", headers=_dept(settings, "public_security"), json={
        "records": [{"id_number": head_id, "safe_water": True, "assessed_on": "2026-06-06"}]})
    assert wrong.status_code == 403

    events = await read_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, timeout=20,
                               where=lambda e: e.subject == hh["id"],
                               until=lambda evs: any(e.name == "household.water_assessed" for e in evs))
    assert sorted(e.data["reason"] for e in events if e.name == "member.removed") == ["death", "migration"]
    lost = [e.data for e in events if e.name == "member.employment_changed"]
    assert lost and lost[-1]["job_lost"] is True
    assert any(e.name == "member.health_changed" and e.data.get("disability_grade") == 2 for e in events)


async def test_human_resources_feed_carries_pensions(client, settings):
    """Seed 004 (社会保险; 城乡居民基本养老保险): the 人社 feed says whether a person pays in or draws a
    pension and how much a month; a pension no longer drawn is ``pension_stopped`` in the event."""
    grandma_id, son_id = id_number("19480302", sex="female"), id_number("19800101")
    hh = await _register(client, settings, member(id_number=son_id, employment="local"),
                         member("之母", id_number=grandma_id))
    hr = _dept(settings, "human_resources")
    drawing = await client.post("/api/v1/feeds/human_resources", headers=hr, json={"records": [
        {"id_number": grandma_id, "pension": "receiving", "pension_monthly": "186.50"},
        {"id_number": son_id, "pension": "contributing", "employment": "local"}]})
    assert drawing.status_code == 200 and drawing.json()["changed"] == 2, drawing.text
    file = (await client.get(f"/api/v1/households/{hh['id']}", headers=auth(settings))).json()
    by_relation = {m["relation"]: m for m in file["members"]}
    assert (by_relation["之母"]["pension"], by_relation["之母"]["pension_monthly"]) == ("receiving", "186.50")
    assert (by_relation["户主"]["pension"], by_relation["户主"]["employment"]) == ("contributing", "local")
    again = await client.post("/api/v1/feeds/human_resources", headers=hr, json={"records": [
        {"id_number": grandma_id, "pension": "receiving", "pension_monthly": "186.50"}]})
    assert again.json()["changed"] == 0  # the same record twice changes nothing, publishes nothing
    stopped = await client.post("/api/v1/feeds/human_resources", headers=hr, json={"records": [
        {"id_number": grandma_id, "pension": "none"}]})
    assert stopped.json()["changed"] == 1
    file = (await client.get(f"/api/v1/households/{hh['id']}", headers=auth(settings))).json()
    grandma = next(m for m in file["members"] if m["relation"] == "之母")
    assert (grandma["pension"], grandma["pension_monthly"]) == ("none", None)

    events = await read_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, timeout=20,
                               where=lambda e: e.subject == hh["id"] and e.name == "member.pension_changed",
                               until=lambda evs: len(evs) >= 3)
    pensions = [e.data for e in events]
    assert [(p["pension"], p["pension_stopped"]) for p in pensions] == [
        ("receiving", False), ("contributing", False), ("none", True)]
    assert pensions[-1]["previous_pension_monthly"] == "186.50" and pensions[-1]["pension_monthly"] is None

    for bad, says in (({"id_number": son_id}, "人社记录须给出"),
                      ({"id_number": son_id, "pension": "none", "pension_monthly": "10"}, "只有养老保险状态为领取养老金")):
        refused = await client.post("/api/v1/feeds/human_resources", headers=hr, json={"records": [bad]})
        assert refused.status_code == 422 and says in refused.json()["errors"][0]["msg"], refused.text
        assert refused.json()["errors"][0]["loc"][:2] == ["records", 0]


async def test_a_housing_feed_naming_two_members_of_one_household_records_both_in_order(client, settings):
    """A housing feed's records are written together at the commit (no savepoint each): the second appraisal of
    one household still sees the first, as one request after another would."""
    head_id, spouse_id = id_number(), id_number("19700302")
    hh = await _register(client, settings, member(id_number=head_id), member("配偶", id_number=spouse_id))
    feed = await client.post("/api/v1/feeds/housing", headers=_dept(settings, "housing"), json={"records": [
        {"id_number": head_id, "grade": "D", "assessed_on": "2024-06-01"},
        {"id_number": spouse_id, "grade": "C", "assessed_on": "2024-07-01"}]})
    assert feed.json()["changed"] == 2, feed.text
    file = (await client.get(f"/api/v1/households/{hh['id']}", headers=auth(settings))).json()
    assert file["housing_grade"] == "C" and file["version"] == hh["version"] + 2
    events = await read_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD,
                               where=lambda e: e.subject == hh["id"] and e.name == "household.housing_assessed",
                               until=lambda evs: len(evs) >= 2)
    assert [(e.data["grade"], e.data["previous_grade"]) for e in events] == [("D", hh["housing_grade"]), ("C", "D")]
