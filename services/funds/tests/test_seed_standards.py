"""The seeds' own figures: education aid by 清河区 (seed 000) and the province default (seed 003), and the
medical-insurance premium subsidy (参保补贴) per insured member (seeds 000 and 003)."""

import uuid

from backstop_common.topics import REGISTRY_HOUSEHOLD
from funds.models import MemberFact
from tests.helpers import OTHER_COUNTY_VILLAGE, VILLAGE, allocation, feed, household, registry, wait_for

RURAL_VILLAGE = "211204101200"       # 张相镇 (a 镇): rural
STREET_COMMUNITY = VILLAGE           # 211204001001 in 红旗街道: urban


async def quote(client, headers, hid, kind, period="2026", member=None):
    params = {"kind": kind, "household_id": str(hid), "period": period}
    if member:
        params["member_id"] = str(member)
    return await client.get("/api/v1/subsidies/quote", headers=headers, params=params)


async def test_education_aid_is_the_seeds_figure_for_the_place(app, client, county, settings):
    stages = [{"stage": s} for s in ("preschool", "primary", "junior", "university", "college")]
    expected = {
        RURAL_VILLAGE: ["1200.00", "750.00", "750.00", "6000.00", "4000.00"],       # 清河区 rural (seed 000)
        STREET_COMMUNITY: ["2400.00", "750.00", "750.00", "6000.00", "4000.00"],    # 清河区 urban preschool
        OTHER_COUNTY_VILLAGE: ["1200.00", "500.00", "500.00", "6000.00", "4000.00"],  # province default (003)
    }
    for village, amounts in expected.items():
        hid, members = await household(app, settings, village=village, members=stages)
        got = [(await quote(client, county_for(settings, village), hid, "education", member=m)).json()
               for m in members]
        assert [g["amount"] for g in got] == amounts, (village, got)
        assert got[3]["basis"]["standard"]["area_code"] == "210000000000"


def county_for(settings, village):
    from backstop_common.testing import bearer
    return bearer(settings, "county_admin", village[:6] + "000000")


async def insured(app, settings, hid, village, members, flags):
    await feed(settings, REGISTRY_HOUSEHOLD, *(
        registry("member.insurance_changed", hid, village, member_id=str(m), medical_insurance=flag)
        for m, flag in zip(members, flags)))

    async def applied(session):
        rows = [await session.get(MemberFact, m) for m in members]
        return all(r is not None and r.medical_insurance is f for r, f in zip(rows, flags))
    await wait_for(app, applied)


async def test_the_premium_is_paid_per_insured_member_from_the_standard(app, client, county, settings):
    hid, members = await household(app, settings, village=RURAL_VILLAGE, members=[{}, {}, {}])
    await insured(app, settings, hid, RURAL_VILLAGE, members, [True, True, False])
    due = await quote(client, county, hid, "medical_insurance")
    assert due.status_code == 200, due.text
    assert due.json()["amount"] == "520.00"                       # 2 insured × 260 (seed 003)
    assert due.json()["basis"]["facts"]["insured_members"] == 2

    # 清河区 sets the year's individual contribution as its own line (seed 000: 个人缴费部分给予全额补助)
    put = await client.put("/api/v1/standards", headers=county, json={
        "year": 2027, "area_code": "211204000000", "kind": "medical_insurance", "item": "individual",
        "amount": "350.00"})
    assert put.status_code == 200, put.text
    assert (await quote(client, county, hid, "medical_insurance", period="2027")).json()["amount"] == "700.00"

    alloc = await allocation(client, county, amount="10000.00", purpose="参保补贴 2026")
    body = {"kind": "medical_insurance", "household_id": str(hid), "period": "2026", "allocation_id": alloc["id"]}
    with_member = await client.post("/api/v1/subsidies", headers=county, json={**body, "member_id": str(members[0])})
    assert with_member.status_code == 422                         # paid to the household, counted per member
    paid = await client.post("/api/v1/subsidies", headers=county, json=body)
    assert paid.status_code == 201, paid.text
    assert paid.json()["amount"] == "520.00"
    again = await client.post("/api/v1/subsidies", headers=county, json=body)
    assert again.status_code == 409
    assert (await client.get(f"/api/v1/allocations/{alloc['id']}", headers=county)).json()["spent"] == "520.00"


async def test_the_premium_needs_an_eligible_household_and_an_insured_member(app, client, county, settings):
    nobody, _ = await household(app, settings, village=RURAL_VILLAGE, members=[{}])
    assert (await quote(client, county, nobody, "medical_insurance")).status_code == 422   # nobody insured
    hid = uuid.uuid4()
    await feed(settings, REGISTRY_HOUSEHOLD, registry(
        "household.registered", hid, RURAL_VILLAGE, poverty_status="never_poor", dibao=False, tekun=False, size=1,
        labour_capable_members=1, housing_grade="A", members=[]))
    _, (member,) = hid, [uuid.uuid4()]
    await feed(settings, REGISTRY_HOUSEHOLD, registry("member.added", hid, RURAL_VILLAGE, member_id=str(member),
                                                      relation="户主", sex="M", birth_year=1970, size=1))
    await insured(app, settings, hid, RURAL_VILLAGE, [member], [True])
    refused = await quote(client, county, hid, "medical_insurance")
    assert refused.status_code == 422 and "never_poor" in refused.json()["detail"]
