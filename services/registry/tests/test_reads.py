"""The hot reads built by PostgreSQL: same shape as the schemas, order kept, masking, access log, statistics."""

import pytest
from sqlalchemy import func, select, text

from backstop_common.paging import Page
from registry.models import AccessLogEntry
from registry.schemas.households import HouseholdFile, HouseholdRow
from tests.exports import person, to_csv
from tests.factory import auth, household, id_number, member

VILLAGE, TOWNSHIP = "211204001009", "211204001000"  # a village of its own: other modules count theirs


@pytest.fixture(scope="module", autouse=True)
async def own_village(app, settings):
    resp = await app.state.client.post("/api/v1/areas/bulk", json={"areas": [{"code": VILLAGE, "name": "读取村"}]},
                             headers=auth(settings, "county_admin", "211204000000"))
    assert resp.status_code == 200, resp.text


async def _logged(app, household_id: str) -> int:
    async with app.state.sessions() as session:
        query = select(func.count()).select_from(AccessLogEntry).where(AccessLogEntry.household_id == household_id)
        return (await session.execute(query)).scalar_one()


async def test_file_matches_the_schema_keeps_order_and_masks(app, client, settings):
    staff = auth(settings, "township_staff", TOWNSHIP)
    body = household(VILLAGE, member("之女", name="孙小", id_number=id_number("20120101", sex="female")),
                     member(name="孙大", phone="13911112222"), phone="13700001234",
                     helpers=[{"name": "钱干部", "phone": "13600002222", "unit": "镇政府"}])
    created = await client.post("/api/v1/households", json=body, headers=staff)
    assert created.status_code == 201, created.text
    hid = created.json()["id"]
    for year, wage in ((2023, "9000.5"), (2025, "12000")):
        resp = await client.post(f"/api/v1/households/{hid}/income-assessments", headers=staff,
                                 json={"year": year, "wage": wage, "business": "0", "business_costs": "0",
                                       "property": "0", "transfer": "0"})
        assert resp.status_code == 201, resp.text

    before = await _logged(app, hid)
    full = (await client.get(f"/api/v1/households/{hid}", headers=staff)).json()
    file = HouseholdFile.model_validate(full)
    assert [m.name for m in file.members] == ["孙大", "孙小"]  # the head first
    assert [a.year for a in file.income_assessments] == [2025, 2023]  # newest first
    assert full["income_assessments"][1]["wage"] == "9000.50"  # money as the API writes it
    assert full["per_capita_income"] == "6000.00" and full["phone"] == "13700001234"
    assert await _logged(app, hid) == before + 1

    masked = (await client.get(f"/api/v1/households/{hid}", headers=auth(settings, "auditor", TOWNSHIP))).json()
    assert HouseholdFile.model_validate(masked).members[0].id_number.count("*") == 8
    assert masked["phone"] == "137****1234" and masked["helpers"][0]["phone"] == "136****2222"
    assert masked["members"][0]["phone"] == "139****2222"
    assert await _logged(app, hid) == before + 1
    outside = await client.get(f"/api/v1/households/{hid}", headers=auth(settings, "auditor", "211204002000"))
    assert outside.status_code == 404 and await _logged(app, hid) == before + 1


async def test_list_page_matches_the_schema_sorts_masks_and_logs(app, client, settings):
    staff = auth(settings, "township_staff", TOWNSHIP)
    wages = ["3000", "9000", "6000"]
    for wage in wages:
        created = await client.post("/api/v1/households", json=household(VILLAGE, member(name="周一")), headers=staff)
        await client.post(f"/api/v1/households/{created.json()['id']}/income-assessments", headers=staff,
                          json={"year": 2025, "wage": wage, "business": "0", "business_costs": "0", "property": "0",
                                "transfer": "0"})
    params = {"area_code": VILLAGE, "sort": "-per_capita_income", "limit": 2}
    page = (await client.get("/api/v1/households", params=params, headers=staff)).json()
    rows = Page[HouseholdRow].model_validate(page)
    assert rows.total >= 3 and len(rows.items) == 2
    incomes = [row.per_capita_income for row in rows.items]
    assert incomes == sorted(incomes, reverse=True) and page["items"][0]["per_capita_income"] == "9000.00"
    assert rows.items[0].head_id_number.count("*") == 0
    assert all([await _logged(app, str(row.id)) >= 1 for row in rows.items])

    masked = (await client.get("/api/v1/households", params=params, headers=auth(settings, "auditor", TOWNSHIP)))
    assert [r["head_id_number"].count("*") for r in masked.json()["items"]] == [8, 8]
    empty = await client.get("/api/v1/households", params={**params, "offset": 10_000}, headers=staff)
    assert empty.json()["items"] == [] and empty.json()["total"] == rows.total


async def test_a_large_import_refreshes_the_planner_statistics(app, client, settings):
    rows = [person(f"8640{n:010d}", f"8640{n:010d}01", "吴一", id_number(), village="读取村")
            for n in range(1000)]
    resp = await client.post("/api/v1/imports/households", headers=auth(settings, "township_staff", TOWNSHIP),
                             files={"file": ("export.csv", to_csv(rows))})
    assert resp.status_code == 200 and resp.json()["households_registered"] == 1000, resp.text
    async with app.state.sessions() as session:
        analyzed = (await session.execute(text(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'households'"))).scalar_one()
    assert analyzed


async def test_the_list_answers_a_pages_households_by_id_within_the_callers_area(client, settings):
    """The console shows a case queue's households with one list call (`?id=…&id=…`), never one per row."""
    admin = auth(settings, "county_admin", "211204000000")
    ids = []
    for _ in range(3):
        created = await client.post("/api/v1/households", json=household(VILLAGE, member()), headers=admin)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    resp = await client.get("/api/v1/households", params={"id": ids[:2]}, headers=admin)
    assert resp.status_code == 200, resp.text
    assert sorted(row["id"] for row in resp.json()["items"]) == sorted(ids[:2])
    elsewhere = auth(settings, "village_cadre", "211204001001")  # another village: its ids find nothing
    assert (await client.get("/api/v1/households", params={"id": ids}, headers=elsewhere)).json()["total"] == 0
    too_many = await client.get("/api/v1/households", params={"id": ids * 70}, headers=admin)
    assert too_many.status_code == 422


async def test_area_names_are_public_without_a_token(client):
    """The public funds page names its villages; division names are public, nothing else is."""
    resp = await client.get("/api/v1/public/areas", params={"area_code": "211204000000", "limit": 500})
    assert resp.status_code == 200, resp.text
    assert {"code": VILLAGE, "name": "读取村"}.items() <= next(
        a for a in resp.json()["items"] if a["code"] == VILLAGE).items()
    assert (await client.get("/api/v1/public/areas", params={"area_code": "21"})).status_code == 422
    assert (await client.get("/api/v1/households")).status_code == 401  # the rest still needs a token
