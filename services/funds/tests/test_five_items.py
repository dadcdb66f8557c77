"""五项落实 (seed 001): for each household of a village, whether cause, attribute, measures, helper and money
are in place, from the registry and monitoring events funds keeps and its own payments."""

import io
import uuid

from python_calamine import CalamineWorkbook

from backstop_common.testing import bearer
from backstop_common.topics import MONITORING_CASE, REGISTRY_HOUSEHOLD
from funds.models import HouseholdFact
from tests.helpers import allocation, feed, household, monitoring, registry, wait_for

FIVE_VILLAGE = "211204201204"


async def test_the_village_report_says_which_of_the_five_each_household_has(app, client, county, settings):
    complete, (pupil,) = await household(app, settings, village=FIVE_VILLAGE, members=[{"stage": "senior"}])
    bare, _ = await household(app, settings, village=FIVE_VILLAGE)
    planned, _ = await household(app, settings, village=FIVE_VILLAGE)
    never_poor = uuid.uuid4()
    await feed(settings, REGISTRY_HOUSEHOLD,
               registry("household.updated", complete, FIVE_VILLAGE, changed=["main_cause"], main_cause="illness"),
               registry("household.helper_assigned", complete, FIVE_VILLAGE, helper_id=str(uuid.uuid4()),
                        helper_user_id="helper-1", unit="区财政局"),
               registry("household.measure_given", complete, FIVE_VILLAGE, measure_id=str(uuid.uuid4()),
                        measure_type="education", amount="2000.00", given_on="2026-03-01", unit="区教育局"),
               registry("household.registered", never_poor, FIVE_VILLAGE, poverty_status="never_poor", dibao=False,
                        tekun=False, size=1, labour_capable_members=1, members=[]))
    await feed(settings, MONITORING_CASE, monitoring(
        "case.assistance_planned", uuid.uuid4(), planned, FIVE_VILLAGE, due_at=None,
        measures=[{"measure_type": "employment", "responsible_unit": "区人社局", "helper_user_id": None}]))

    async def applied(session):
        a, b, n = [await session.get(HouseholdFact, h) for h in (complete, planned, never_poor)]
        return a.main_cause and a.helper_ids and a.measure_types and b.measure_types and n is not None
    await wait_for(app, applied)
    alloc = await allocation(client, county, amount="5000.00")
    paid = await client.post("/api/v1/subsidies", headers=county, json={
        "kind": "education", "household_id": str(complete), "member_id": str(pupil), "period": "2026",
        "allocation_id": alloc["id"]})
    assert paid.status_code == 201, paid.text

    cadre = bearer(settings, "village_cadre", FIVE_VILLAGE)
    resp = await client.get("/api/v1/reports/five-items", headers=cadre,
                            params={"village_code": FIVE_VILLAGE, "year": 2026})
    assert resp.status_code == 200, resp.text
    report = resp.json()
    rows = {r["household_id"]: r for r in report["items"]}
    assert set(rows) == {str(complete), str(bare), str(planned)}         # 建档立卡 only, never_poor left out
    full = rows[str(complete)]
    assert full["complete"] is True
    assert full["items"]["cause"]["value"] == "illness" and full["items"]["attribute"]["value"] == "脱贫户"
    assert full["items"]["measures"]["value"] == ["education"] and full["items"]["helpers"]["value"] == 1
    assert full["items"]["funds"]["value"] == {"subsidies": "2000.00", "projects": 0}
    assert {k for k, v in rows[str(bare)]["items"].items() if not v["in_place"]} == {
        "cause", "measures", "helpers", "funds"}
    assert rows[str(planned)]["items"]["measures"] == {"in_place": True, "value": ["employment"]}
    assert report["households"] == 3 and report["complete"] == 1
    assert report["missing"] == {"cause": 2, "attribute": 0, "measures": 1, "helpers": 2, "funds": 2}
    earlier = (await client.get("/api/v1/reports/five-items", headers=cadre,
                                params={"village_code": FIVE_VILLAGE, "year": 2025})).json()
    assert earlier["complete"] == 0                                     # the money was of 2026

    sheet = await client.get("/api/v1/reports/five-items", headers=cadre,
                             params={"village_code": FIVE_VILLAGE, "year": 2026, "format": "xlsx"})
    table = CalamineWorkbook.from_filelike(io.BytesIO(sheet.content)).get_sheet_by_index(0).to_python()
    assert table[0] == ["户ID", "致贫原因", "属性", "帮扶措施", "帮扶责任人", "帮扶资金", "五项落实"]
    assert [r for r in table[1:] if r[0] == str(complete)][0][1:] == ["是"] * 6

    other = bearer(settings, "village_cadre", "211204201205")
    assert (await client.get("/api/v1/reports/five-items", headers=other,
                             params={"village_code": FIVE_VILLAGE})).status_code == 404
