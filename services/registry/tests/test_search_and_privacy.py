"""Lists a township office uses: filters, name/pinyin/ID search, paging, area scope, masking, access log."""

from sqlalchemy import select

from registry.models import AccessLogEntry
from tests.factory import auth, household, id_number, member

VILLAGE, OTHER_VILLAGE, OTHER_TOWNSHIP_VILLAGE = "211204001001", "211204001002", "211204002001"


async def _register(client, settings, village, *members, **kw):
    resp = await client.post("/api/v1/households", json=household(village, *members, **kw),
                             headers=auth(settings, "township_staff", village[:9] + "000"))
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_search_filters_and_pinyin(client, settings):
    zhuge = await _register(client, settings, OTHER_VILLAGE, member(name="诸葛亮", phone="13800001111"),
                            member("之女", name="诸葛果", id_number=id_number("20090101", sex="female"),
                                   schooling_stage="junior", schooling_status="dropped_out"),
                            main_cause="schooling", tags=["边缘易致贫户"], household_number="86300000184649")
    ouyang = await _register(client, settings, OTHER_VILLAGE, member(name="欧阳修"), main_cause="illness",
                             other_causes=["schooling"])
    township = auth(settings, "township_staff", "211204001000")
    await client.post(f"/api/v1/households/{ouyang['id']}/housing-assessments", headers=township,
                      json={"grade": "D", "assessed_on": "2024-03-01"})
    await client.post(f"/api/v1/households/{ouyang['id']}/income-assessments", headers=township,
                      json={"year": 2024, "wage": "3000", "business": "0", "business_costs": "0", "property": "0",
                            "transfer": "0"})

    async def ids(**params):
        resp = await client.get("/api/v1/households", params={"area_code": OTHER_VILLAGE, **params}, headers=township)
        assert resp.status_code == 200, resp.text
        return {i["id"] for i in resp.json()["items"]}

    assert await ids(q="诸葛") == {zhuge["id"]}
    assert await ids(q="zhuge") == {zhuge["id"]}
    assert await ids(q="zgl") == {zhuge["id"]}
    assert await ids(q="OYX") == {ouyang["id"]}
    assert await ids(q="yangxiu") == {ouyang["id"]}
    assert await ids(q=zhuge["members"][0]["id_number"]) == {zhuge["id"]}
    assert await ids(q="86300000184649") == {zhuge["id"]}
    assert await ids(dropout="true") == {zhuge["id"]}
    assert await ids(housing_grade=["C", "D"]) == {ouyang["id"]}
    assert await ids(income_below="5000") == {ouyang["id"]}
    assert await ids(cause="schooling") == {zhuge["id"], ouyang["id"]}
    assert await ids(tag="边缘易致贫户") == {zhuge["id"]}
    assert zhuge["id"] in await ids(status="lifted")
    page = await client.get("/api/v1/households", headers=township,
                            params={"area_code": OTHER_VILLAGE, "limit": 1, "sort": "-per_capita_income"})
    body = page.json()
    assert body["total"] >= 2 and len(body["items"]) == 1
    assert body["items"][0]["per_capita_income"] is not None  # nulls last, highest first
    bad = await client.get("/api/v1/households", headers=township, params={"sort": "name; drop"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


async def test_area_scope_hides_other_villages(client, settings):
    mine = await _register(client, settings, VILLAGE, member(name="赵一"))
    theirs = await _register(client, settings, OTHER_TOWNSHIP_VILLAGE, member(name="钱二"))
    cadre = auth(settings, "village_cadre", VILLAGE)
    other_cadre = auth(settings, "village_cadre", OTHER_VILLAGE)
    assert (await client.get(f"/api/v1/households/{mine['id']}", headers=cadre)).status_code == 200
    resp = await client.get(f"/api/v1/households/{mine['id']}", headers=other_cadre)
    assert resp.status_code == 404 and resp.headers["content-type"] == "application/problem+json"
    assert (await client.get(f"/api/v1/households/{mine['id']}/history", headers=other_cadre)).status_code == 404
    listed = (await client.get("/api/v1/households", headers=cadre, params={"limit": 500})).json()["items"]
    assert {i["village_code"] for i in listed} == {VILLAGE} and theirs["id"] not in {i["id"] for i in listed}
    patch = await client.patch(f"/api/v1/households/{mine['id']}", headers={**other_cadre, "If-Match": "1"},
                               json={"tags": ["x"]})
    assert patch.status_code == 404
    outside = await client.get("/api/v1/households", headers=cadre, params={"area_code": OTHER_VILLAGE})
    assert outside.status_code == 404
    areas = (await client.get("/api/v1/areas", headers=cadre)).json()
    assert [a["code"] for a in areas["items"]] == [VILLAGE]
    county = (await client.get("/api/v1/areas", headers=auth(settings, "county_admin", "211204000000"),
                               params={"parent_code": "211204001000"})).json()
    codes = [a["code"] for a in county["items"]]  # other modules may add villages to this township
    assert codes[:2] == [VILLAGE, OTHER_VILLAGE] and all(c.startswith("211204001") for c in codes)


async def test_masking_per_role_and_access_log(app, client, settings):
    head_id = id_number()
    hh = await _register(client, settings, VILLAGE, member(name="孙三", id_number=head_id, phone="13912345678"),
                         phone="13700001234",
                         helpers=[{"name": "周帮", "phone": "13611112222", "unit": "区财政局"}])
    url = f"/api/v1/households/{hh['id']}"
    async with app.state.sessions() as session:
        before = len((await session.execute(select(AccessLogEntry).where(
            AccessLogEntry.household_id == hh["id"]))).scalars().all())
    for role in ("helper", "department", "auditor"):
        masked = (await client.get(url, headers=auth(settings, role, VILLAGE))).json()
        person = masked["members"][0]
        assert person["id_number"] == head_id[:6] + "********" + head_id[-4:], role
        assert person["phone"] == "139****5678" and masked["phone"] == "137****1234"
        assert masked["helpers"][0]["phone"] == "136****2222"
        listed = (await client.get("/api/v1/households", headers=auth(settings, role, VILLAGE),
                                   params={"q": "孙三"})).json()["items"]
        assert listed[0]["head_id_number"].count("*") == 8
    async with app.state.sessions() as session:
        after_masked = len((await session.execute(select(AccessLogEntry).where(
            AccessLogEntry.household_id == hh["id"]))).scalars().all())
    assert after_masked == before  # masked reads are not identifier reads

    cadre = auth(settings, "village_cadre", VILLAGE, subject="cadre-7")
    plain = (await client.get(url, headers=cadre)).json()
    assert plain["members"][0]["id_number"] == head_id and plain["members"][0]["phone"] == "13912345678"
    listed = (await client.get("/api/v1/households", headers=cadre, params={"q": "孙三"})).json()["items"]
    assert listed[0]["head_id_number"] == head_id
    async with app.state.sessions() as session:
        rows = (await session.execute(select(AccessLogEntry).where(
            AccessLogEntry.household_id == hh["id"], AccessLogEntry.subject == "cadre-7")
            .order_by(AccessLogEntry.seq))).scalars().all()
    assert [r.path for r in rows] == [url, "/api/v1/households"]
    assert all(r.role == "village_cadre" and "id_number" in r.fields for r in rows)


async def test_auditor_is_read_only_and_helper_cannot_write(client, settings):
    hh = await _register(client, settings, VILLAGE, member())
    for role in ("auditor", "helper"):
        resp = await client.patch(f"/api/v1/households/{hh['id']}", headers={**auth(settings, role, VILLAGE),
                                                                             "If-Match": "1"}, json={"tags": ["x"]})
        assert resp.status_code == 403, role
