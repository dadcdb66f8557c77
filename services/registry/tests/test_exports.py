"""The XLSX export of the household list: the list's own filters, the same households."""

import asyncio
import io

import pytest
from python_calamine import CalamineWorkbook

from tests.factory import auth, household, id_number, member

#: a village of its own, so the other tests' households do not enter these lists
TOWNSHIP, VILLAGE = "211204002000", "211204002009"
NUMBER_COLUMN = 5  # 户编号 in exports.HEADERS


async def _register(client, settings, number: str, *members, **kw) -> dict:
    resp = await client.post("/api/v1/households", json=household(VILLAGE, *members, household_number=number, **kw),
                             headers=auth(settings, "township_staff", TOWNSHIP))
    assert resp.status_code == 201, resp.text
    return resp.json()


@pytest.fixture(scope="module")
async def village(app, settings):
    client = app.state.client
    resp = await client.post("/api/v1/areas", json={"code": VILLAGE, "name": "导出村"},
                             headers=auth(settings, "county_admin", "211204000000"))
    assert resp.status_code == 201, resp.text
    township = auth(settings, "township_staff", TOWNSHIP)
    await _register(client, settings, "86309000000001", member(name="诸葛亮"), main_cause="schooling",
                    tags=["边缘易致贫户"], monitoring_category="marginal")
    pupil = member("之女", name="诸葛果", id_number=id_number("20090101", sex="female"), schooling_stage="junior",
                   schooling_status="dropped_out")
    await _register(client, settings, "86309000000002", member(name="欧阳修", medical_insurance=False), pupil,
                    main_cause="illness", other_causes=["schooling"], dibao=True)
    poor = await _register(client, settings, "86309000000003", member(name="王五"), poverty_status="never_poor",
                           year_lifted=None, tekun=True)
    for path, body in (("housing-assessments", {"grade": "D", "assessed_on": "2024-03-01"}),
                       ("water-assessments", {"safe_water": False, "assessed_on": "2024-03-01"}),
                       ("income-assessments", {"year": 2024, "wage": "3000", "business": "0", "business_costs": "0",
                                               "property": "0", "transfer": "0"})):
        resp = await client.post(f"/api/v1/households/{poor['id']}/{path}", json=body, headers=township)
        assert resp.status_code == 201, resp.text
    return township


FILTERS = [{}, {"status": "never_poor"}, {"monitoring_category": "marginal"}, {"risk_eliminated": "false"},
           {"cause": "schooling"},
           {"tag": "边缘易致贫户"}, {"income_below": "5000"}, {"housing_grade": ["C", "D"]}, {"unsafe_water": "true"},
           {"dropout": "true"}, {"uninsured": "true"}, {"dibao": "true"}, {"tekun": "true"}, {"dibao": "false"},
           {"q": "诸葛"}, {"q": "zhuge"}, {"q": "86309000000003"}, {"uninsured": "true", "dropout": "true"},
           {"uninsured": "true", "area_code": TOWNSHIP}]


@pytest.mark.parametrize("params", FILTERS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "none")
async def test_every_list_filter_exports_the_listed_households(village, client, params):
    query = {"area_code": VILLAGE, **params}
    listed = await client.get("/api/v1/households", params=query, headers=village)
    assert listed.status_code == 200, listed.text
    expected = {row["household_number"] for row in listed.json()["items"]}
    assert expected  # each filter selects someone, so an empty export cannot pass
    resp = await client.get("/api/v1/exports/households.xlsx", params=query, headers=village)
    assert resp.status_code == 200, resp.text
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(resp.content)).get_sheet_by_index(0).to_python()
    assert {row[NUMBER_COLUMN] for row in sheet[1:]} == expected


async def test_exports_beyond_the_bound_are_429_until_one_finishes(app, village, client, settings):
    import asyncpg

    from backstop_common.db import plain_url
    from backstop_common.testing import eventually
    from registry.api.exports import ExportSlots

    app.state.export_slots = ExportSlots(1, retry_after=7)
    blocker, watcher = [await asyncpg.connect(plain_url(settings.database_url)) for _ in range(2)]
    try:
        lock = blocker.transaction()
        await lock.start()
        await blocker.execute("LOCK TABLE households IN ACCESS EXCLUSIVE MODE")  # the first export waits on it
        first = asyncio.create_task(client.get("/api/v1/exports/households.xlsx", params={"area_code": VILLAGE},
                                               headers=village))
        assert await eventually(lambda: watcher.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"))
        refused = await client.get("/api/v1/exports/households.xlsx", params={"area_code": VILLAGE}, headers=village)
        assert refused.status_code == 429 and refused.headers["retry-after"] == "7"
        assert refused.headers["content-type"] == "application/problem+json" and refused.json()["status"] == 429
        await lock.rollback()
        assert (await first).status_code == 200
        again = await client.get("/api/v1/exports/households.xlsx", params={"area_code": VILLAGE}, headers=village)
        assert again.status_code == 200 and again.content[:2] == b"PK"
    finally:
        app.state.export_slots = None
        await blocker.close()
        await watcher.close()


async def test_an_export_whose_database_is_away_is_a_retry_not_a_crash(tmp_path):
    from backstop_common.devstack import free_port
    from registry.export_worker import DatabaseAway, ExportJob, export_in_process

    path = tmp_path / "households.xlsx"
    job = ExportJob(dsn=f"postgresql://postgres@127.0.0.1:{free_port()}/registry", rows=("SELECT 1", ()),
                    access_log=None, unmasked=False, path=str(path))
    with pytest.raises(DatabaseAway):
        await export_in_process(job)
    assert not path.exists()
