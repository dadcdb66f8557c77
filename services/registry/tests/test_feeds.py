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
    body = health.json()
    assert body["matched"] == 1 and body["changed"] == 1
    assert [(u["index"], u["reason"][:7]) for u in body["unmatched"]] == [(1, "no curr"), (2, "invalid")]
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
