"""One county's year on the running stack (all four services, real PostgreSQL, the real broker).

Households in a village of 杨木林子镇 are registered and assessed; an income drop, a major illness with
heavy medical cost, a dropout, a house rated D and a flood each open the right case and reach the
right people; the cases go through identification to confirmation, get plans and visits; subsidies are
paid and one bad payment is caught; one household's risk is eliminated; the dashboard adds up.
"""


import asyncpg
import httpx
import pytest

from backstop_common.auth import default_subject
from backstop_common.db import plain_url
from backstop_common.seed import directory
from backstop_common.testing import eventually
from tests.support import member

VILLAGE = "211204102200"
TOWNSHIP = "211204102000"
COUNTY = "211204000000"
CADRE, TOWNSHIP_STAFF = default_subject("village_cadre", VILLAGE), default_subject("township_staff", TOWNSHIP)
HEALTHY_2025 = {"year": 2025, "wage": "42000", "business": "6000", "business_costs": "1000", "property": "0",
                "transfer": "3000"}


class County:
    """The offices and cadres of the county, each with their own token."""

    def __init__(self, stack, client: httpx.AsyncClient):
        self.stack, self.client = stack, client
        self.admin = stack.headers("county_admin", COUNTY, subject="office@211204")
        self.cadre = stack.headers("village_cadre", VILLAGE, subject=CADRE)
        self.township = stack.headers("township_staff", TOWNSHIP, subject=TOWNSHIP_STAFF)

    async def call(self, method: str, service: str, path: str, headers=None, expect: int | tuple = (200, 201), **kw):
        resp = await self.client.request(method, f"{self.stack.url(service)}/api/v1{path}",
                                         headers=headers or self.admin, **kw)
        expected = expect if isinstance(expect, tuple) else (expect,)
        assert resp.status_code in expected, f"{method} {path}: {resp.status_code} {resp.text[:800]}"
        return resp.json() if resp.content else None

    async def advance(self, days: float) -> None:
        """Time passes for the whole county: every service's clock moves (CLOCK_CONTROL_ENABLED)."""
        for service in ("monitoring", "funds", "notifications"):
            resp = await self.client.post(f"{self.stack.url(service)}/_ops/clock", params={"seconds": days * 86400})
            assert resp.status_code == 200, resp.text

    async def case_of(self, household_id: str) -> dict | None:
        page = await self.call("GET", "monitoring", f"/cases?household_id={household_id}")
        return page["items"][0] if page["items"] else None

    async def act(self, case: dict, action: str, headers, body: dict | None = None) -> dict:
        current = await self.call("GET", "monitoring", f"/cases/{case['id']}", headers)
        return await self.call("POST", "monitoring", f"/cases/{case['id']}/{action}",
                               {**headers, "If-Match": str(current["version"])}, json=body or {})


@pytest.fixture(scope="module")
async def county(demo_areas, stack):
    async with httpx.AsyncClient(timeout=30) as client:
        office = County(stack, client)
        helpers = [{"kind": "person", "user_id": f"helper-{i}@{VILLAGE}", "role": "helper", "area_code": VILLAGE}
                   for i in range(6)]
        await office.call("POST", "notifications", "/recipients/bulk", json={"items": directory() + helpers})
        yield office


async def _register(county: County, n: int) -> dict:
    body = {"village_code": VILLAGE, "poverty_status": "lifted", "year_lifted": 2019,
            "members": [member("户主", 48, labour_capacity="full"), member("配偶", 46, female=True),
                        member("之子", 13, schooling_stage="junior", schooling_status="enrolled")],
            "helpers": [{"name": "帮扶干部", "unit": "区农业农村局", "user_id": f"helper-{n}@{VILLAGE}"}]}
    household = await county.call("POST", "registry", "/households", county.cadre, json=body)
    await county.call("POST", "registry", f"/households/{household['id']}/income-assessments", county.cadre,
                      json=HEALTHY_2025)
    return household


async def _funds_knows_death(stack, member_id: str) -> bool:
    """Funds has applied the registry's member.removed (death) to its own read model."""
    conn = await asyncpg.connect(plain_url(stack.database_url("funds")))
    try:
        return await conn.fetchval("SELECT status = 'deceased' FROM members WHERE id = $1::uuid", member_id)
    finally:
        await conn.close()


async def _monitoring_sees_recovery(stack, household_id: str) -> bool:
    """Monitoring has applied the recovery assessment and the measure given (before time moves on)."""
    conn = await asyncpg.connect(plain_url(stack.database_url("monitoring")))
    try:
        return await conn.fetchval(
            "SELECT f.income_above_since IS NOT NULL AND NOT EXISTS (SELECT 1 FROM measures m JOIN cases c "
            "ON c.id = m.case_id WHERE c.household_id = f.household_id AND m.status = 'open') "
            "FROM household_facts f WHERE f.household_id = $1::uuid", household_id)
    finally:
        await conn.close()


async def _patch_member(county: County, member_row: dict, **facts) -> None:
    await county.call("PATCH", "registry", f"/members/{member_row['id']}",
                      {**county.cadre, "If-Match": str(member_row["version"])}, json=facts)


async def test_a_county_year(county, stack):
    households = [await _register(county, n) for n in range(6)]
    income_drop, illness, dropout, unsafe_house, flooded, control = households
    ids = [h["id"] for h in households]

    # what happens to them during the year
    await county.call("POST", "registry", f"/households/{income_drop['id']}/income-assessments", county.cadre,
                      json={**HEALTHY_2025, "year": 2026, "wage": "5000", "business": "0", "transfer": "1000"})
    await _patch_member(county, illness["members"][0], health="major_illness", illness="尿毒症",
                        medical_out_of_pocket="38000.00", medical_cost_year=2026)
    await _patch_member(county, dropout["members"][2], schooling_status="dropped_out")
    await county.call("POST", "registry", f"/households/{unsafe_house['id']}/housing-assessments", county.cadre,
                      json={"grade": "D", "assessed_on": "2026-06-01"})
    await county.call("POST", "registry", f"/households/{flooded['id']}/disasters", county.cadre,
                      json={"disaster_type": "0201", "loss_amount": "60000", "occurred_on": "2026-07-20"})

    # each leads to the right case; the control household to none
    async def all_cases():
        found = [await county.case_of(h) for h in ids[:5]]
        return found if all(found) else None

    cases = await eventually(all_cases, timeout=60)
    assert cases, "not every event opened a case"
    expected = ["99", "01", "education", "housing", "0201"]
    for case, risk in zip(cases, expected):
        assert risk in case["risk_types"], (risk, case["risk_types"])
    assert await county.case_of(control["id"]) is None

    # the right people hear of it: the village cadre, and each household's own paired helper
    async def inbox(user_id: str, role: str, area: str) -> list[dict]:
        page = await county.call("GET", "notifications", "/inbox?limit=200", stack.headers(role, area, subject=user_id))
        return page["items"]

    subjects = {c["id"] for c in cases} | set(ids[:5])

    async def cadre_heard_all():
        heard = {m["event_subject"] for m in await inbox(CADRE, "village_cadre", VILLAGE)}
        return subjects & heard and all(c["id"] in heard or c["household_id"] in heard for c in cases)

    assert await eventually(cadre_heard_all, timeout=30)
    for n, case in enumerate(cases):
        async def helper_heard(n=n, case=case):
            heard = {m["event_subject"] for m in await inbox(f"helper-{n}@{VILLAGE}", "helper", VILLAGE)}
            return case["id"] in heard or case["household_id"] in heard

        assert await eventually(helper_heard, timeout=30), f"helper {n} was not told"
    other_helper = {m["event_subject"] for m in await inbox(f"helper-5@{VILLAGE}", "helper", VILLAGE)}
    assert not other_helper & subjects

    # identification: village verifies and posts the notice, township reviews after 5 days, county confirms
    for case in cases:
        await county.act(case, "verify", county.cadre, {"note": "入户核实，农户签字授权"})
        await county.act(case, "post-notice", county.cadre, {"note": "民主评议通过，村内公示"})
    await county.advance(5.01)
    confirmed = []
    for case in cases:
        await county.act(case, "review", county.township, {"note": "乡审核"})
        confirmed.append(await county.act(case, "confirm", county.admin, {"note": "县审批"}))
    assert all(c["stage"] == "confirmed" and c["category"] for c in confirmed)

    # plans and visits
    plan = {"measures": [{"measure_type": "employment", "responsible_unit": "human_resources",
                          "helper_user_id": f"helper-0@{VILLAGE}"}]}
    await county.act(cases[0], "plan", county.township, plan)
    for case in cases:
        await county.act(case, "visit", county.cadre, {"visited_on": "2026-11-20", "findings": "生活稳定"})

    # money: the D house gets the renovation subsidy computed from the standard; a payment to a dead man is caught
    allocation = await county.call("POST", "funds", "/allocations", json={
        "source": "linkage", "year": 2026, "purpose": "危房改造和医疗救助", "amount": "300000", "area_code": COUNTY})

    async def funds_knows_d_house():
        resp = await county.client.post(f"{stack.url('funds')}/api/v1/subsidies", headers=county.admin, json={
            "kind": "housing_renovation", "household_id": unsafe_house["id"], "period": "2026",
            "allocation_id": allocation["id"]})
        return resp.json() if resp.status_code == 201 else None

    paid = await eventually(funds_knows_d_house, timeout=30)
    assert paid and paid["amount"] in ("45000.00", "45000")
    deceased = control["members"][1]  # the spouse dies; the head cannot leave while others remain
    await county.call("POST", "registry", f"/members/{deceased['id']}/removal", county.cadre,
                      json={"reason": "death", "effective_on": "2026-09-01"})

    assert await eventually(lambda: _funds_knows_death(stack, deceased["id"]))
    refused = await county.client.post(f"{stack.url('funds')}/api/v1/subsidies", headers=county.admin, json={
        "kind": "medical_relief", "household_id": control["id"], "member_id": deceased["id"], "period": "2026",
        "allocation_id": allocation["id"]})
    assert refused.status_code in (409, 422) and refused.json()["anomaly_id"], refused.text
    anomalies = await county.call("GET", "funds", "/anomalies?limit=100")
    caught = [(a["kind"], a["member_id"]) for a in anomalies["items"] if a["household_id"] == control["id"]]
    assert ("deceased_beneficiary", deceased["id"]) in caught, anomalies["items"]

    # the income-drop household recovers: income above the line, the measure given, stable for six months
    await county.call("POST", "registry", f"/households/{income_drop['id']}/income-assessments", county.cadre,
                      json={**HEALTHY_2025, "year": 2026})
    await county.call("POST", "registry", f"/households/{income_drop['id']}/measures", county.cadre, json={
        "measure_type": "employment", "description": "公益性岗位", "given_on": "2026-08-01",
        "unit": "human_resources"})
    assert await eventually(lambda: _monitoring_sees_recovery(stack, income_drop["id"]))
    await county.advance(200)

    answers = []

    async def elimination_proposed():
        current = await county.call("GET", "monitoring", f"/cases/{cases[0]['id']}")
        resp = await county.client.post(
            f"{stack.url('monitoring')}/api/v1/cases/{cases[0]['id']}/propose-elimination",
            headers={**county.township, "If-Match": str(current["version"])}, json={"method": "assistance"})
        answers.append(resp.text)
        return resp.status_code == 200

    assert await eventually(elimination_proposed, timeout=30), answers[-1]
    # the proposal is noticed in the village like identification (at least 5 days) before approval
    current = await county.call("GET", "monitoring", f"/cases/{cases[0]['id']}")
    early = await county.client.post(f"{stack.url('monitoring')}/api/v1/cases/{cases[0]['id']}/eliminate",
                                     headers={**county.admin, "If-Match": str(current["version"])}, json={})
    assert early.status_code == 409 and early.json()["reason"] == "elimination_notice_running", early.text
    await county.advance(6)
    eliminated = await county.act(cases[0], "eliminate", county.admin, {"note": "县审批风险消除"})
    assert eliminated["stage"] == "eliminated"

    # the dashboard counts what happened in this township
    stats = await county.call("GET", "monitoring", f"/stats?area_code={TOWNSHIP}")
    totals = stats["totals"]
    assert totals["cases"] == 5 and totals["eliminated"] == 1 and totals["monitored"] == 4, totals
    assert totals["households"] == 6
