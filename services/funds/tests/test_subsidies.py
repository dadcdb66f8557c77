"""Subsidies computed from the standards (never typed) and the anomalies a payment can be, each once."""

import asyncio
import uuid
from decimal import Decimal

from backstop_common.testing import read_events
from backstop_common.topics import FUNDS_FINANCE, REGISTRY_HOUSEHOLD
from funds.models import MemberFact
from tests.helpers import (OTHER_COUNTY_VILLAGE, VILLAGE, allocation, anomalies, feed, household, registry,
                           wait_for)


async def pay(client, headers, alloc, hid, kind, period="2026", member=None):
    body = {"kind": kind, "household_id": str(hid), "period": period, "allocation_id": alloc["id"]}
    if member:
        body["member_id"] = str(member)
    return await client.post("/api/v1/subsidies", headers=headers, json=body)


async def test_amounts_come_from_the_standards(app, client, county, settings):
    hid, (pupil, patient) = await household(app, settings, grade="D", members=[
        {"stage": "junior", "boarding": True}, {"oop": "12000.50"}])
    alloc = await allocation(client, county, amount="100000.00")

    house = await pay(client, county, alloc, hid, "housing_renovation")
    assert house.status_code == 201, house.text
    assert house.json()["amount"] == "45000.00" and house.json()["basis"]["item"] == "D"
    school = await pay(client, county, alloc, hid, "education", member=pupil)
    assert school.json()["amount"] == "1250.00"                           # boarding junior
    medical = await pay(client, county, alloc, hid, "medical_relief", member=patient)
    assert medical.json()["amount"] == "5000.25"                          # (12000.50 − 2000) × 50 %

    typed = await client.post("/api/v1/subsidies", headers=county, json={
        "kind": "education", "household_id": str(hid), "member_id": str(pupil), "period": "2027",
        "allocation_id": alloc["id"], "amount": "99999.00"})
    assert typed.status_code == 422                                       # an amount is never typed
    not_eligible = await pay(client, county, alloc, hid, "education", member=patient)
    assert not_eligible.status_code == 422
    left = (await client.get(f"/api/v1/allocations/{alloc['id']}", headers=county)).json()
    assert left["spent"] == left["committed"] == "51250.25"

    events = await read_events(settings.kafka_bootstrap_servers, FUNDS_FINANCE, until=lambda evs: len(evs) >= 3,
                               where=lambda e: e.name == "subsidy.paid" and e.data["household_id"] == str(hid))
    assert sorted(e.data["amount"] for e in events) == ["1250.00", "45000.00", "5000.25"]
    assert {e.area_code for e in events} == {VILLAGE}
    assert all(set(e.data) == {"subsidy_id", "household_id", "member_id", "village_code", "kind", "period",
                               "amount", "allocation_id"} for e in events)


async def test_a_county_standard_line_overrides_the_default_from_its_year(app, client, county, settings):
    hid, _ = await household(app, settings, grade="C")
    quote = await client.get("/api/v1/subsidies/quote", headers=county,
                             params={"kind": "housing_renovation", "household_id": str(hid), "period": "2026"})
    assert quote.json()["amount"] == "5000.00"
    put = await client.put("/api/v1/standards", headers=county, json={
        "year": 2027, "area_code": "211204000000", "kind": "housing_renovation", "item": "C", "amount": "6000.00"})
    assert put.status_code == 200, put.text
    for period, amount in (("2026", "5000.00"), ("2027", "6000.00"), ("2028", "6000.00")):
        quote = await client.get("/api/v1/subsidies/quote", headers=county, params={
            "kind": "housing_renovation", "household_id": str(hid), "period": period})
        assert quote.json()["amount"] == amount, period


async def test_duplicate_is_refused_and_flagged_once(app, client, county, settings):
    hid, (pupil,) = await household(app, settings, grade="B", members=[{"stage": "primary"}])
    alloc = await allocation(client, county, amount="10000.00")
    first = await pay(client, county, alloc, hid, "education", member=pupil)
    assert first.status_code == 201 and first.json()["amount"] == "750.00"     # 清河区 non-boarding (seed 000)
    for _ in range(3):
        again = await pay(client, county, alloc, hid, "education", member=pupil)
        assert again.status_code == 409 and again.json()["payment_id"] == first.json()["id"]
    other_period = await pay(client, county, alloc, hid, "education", period="2027", member=pupil)
    assert other_period.status_code == 201
    found = await anomalies(client, county, kind="duplicate_payment", household_id=str(hid))
    assert len(found) == 1 and found[0]["payment_id"] == first.json()["id"]
    assert (await client.get(f"/api/v1/allocations/{alloc['id']}", headers=county)).json()["spent"] == "1500.00"


async def test_death_event_then_payment_is_refused_and_flagged_once(app, client, county, settings):
    hid, (child, grandma) = await household(app, settings, members=[{"stage": "senior"}, {"oop": "30000.00"}])
    await feed(settings, REGISTRY_HOUSEHOLD, registry("member.removed", hid, VILLAGE, member_id=str(grandma),
                                                      reason="death", effective_on="2026-03-01", size=1))

    async def dead(session):
        member = await session.get(MemberFact, grandma)
        return member.status == "deceased"
    await wait_for(app, dead)
    alloc = await allocation(client, county, amount="50000.00")
    for _ in range(2):
        refused = await pay(client, county, alloc, hid, "medical_relief", member=grandma)
        assert refused.status_code == 422 and "死亡" in refused.json()["detail"]
    assert (await pay(client, county, alloc, hid, "education", member=child)).status_code == 201
    found = await anomalies(client, county, kind="deceased_beneficiary", household_id=str(hid))
    assert len(found) == 1 and found[0]["member_id"] == str(grandma)
    assert (await client.get(f"/api/v1/allocations/{alloc['id']}", headers=county)).json()["spent"] == "2000.00"
    await asyncio.sleep(0.5)
    events = await read_events(settings.kafka_bootstrap_servers, FUNDS_FINANCE, until=lambda evs: False, timeout=2,
                               where=lambda e: e.name == "finance.anomaly_detected"
                               and e.data["household_id"] == str(hid))
    assert [e.data["kind"] for e in events] == ["deceased_beneficiary"]


async def test_a_death_recorded_after_the_payment_flags_it(app, client, county, settings):
    hid, (grandpa,) = await household(app, settings, members=[{"oop": "4000.00"}])
    alloc = await allocation(client, county, amount="5000.00")
    paid = await client.post("/api/v1/subsidies", headers=county, json={
        "kind": "medical_relief", "household_id": str(hid), "member_id": str(grandpa), "period": "2026",
        "allocation_id": alloc["id"], "paid_on": "2026-06-01"})
    assert paid.status_code == 201 and paid.json()["amount"] == "1000.00"
    death = registry("member.removed", hid, VILLAGE, member_id=str(grandpa), reason="death",
                     effective_on="2026-05-20", size=0)
    await feed(settings, REGISTRY_HOUSEHOLD, death, death)                # redelivered: still once

    async def flagged(session):
        return await anomalies(client, county, kind="deceased_beneficiary", household_id=str(hid))
    found = await wait_for(app, flagged)
    await asyncio.sleep(0.5)
    found = await anomalies(client, county, kind="deceased_beneficiary", household_id=str(hid))
    assert len(found) == 1 and found[0]["payment_id"] == paid.json()["id"]


async def test_unknown_household_or_person_is_refused_and_flagged_once(app, client, county, settings):
    alloc = await allocation(client, county, amount="5000.00")
    stranger = uuid.uuid4()
    for _ in range(2):
        refused = await pay(client, county, alloc, stranger, "housing_renovation")
        assert refused.status_code == 422
    hid, _ = await household(app, settings)
    ghost = await pay(client, county, alloc, hid, "education", member=uuid.uuid4())
    assert ghost.status_code == 422
    unknown = await anomalies(client, county, kind="unknown_beneficiary")
    assert len([a for a in unknown if a["household_id"] == str(stranger)]) == 1
    assert len([a for a in unknown if a["household_id"] == str(hid)]) == 1
    assert (await client.get(f"/api/v1/allocations/{alloc['id']}", headers=county)).json()["spent"] == "0.00"


async def test_allocation_of_another_area_is_refused(app, client, county, settings):
    hid, _ = await household(app, settings, grade="C")
    township = await allocation(client, county, amount="9000.00", area="211204002000")
    resp = await pay(client, county, township, hid, "housing_renovation")
    assert resp.status_code == 422 and resp.json()["allocation_area"] == "211204002000"
    far, _ = await household(app, settings, village=OTHER_COUNTY_VILLAGE)
    county_money = await allocation(client, county, amount="9000.00")
    assert (await pay(client, county, county_money, far, "housing_renovation")).status_code == 404
    small = await allocation(client, county, amount="4999.99")
    over = await pay(client, county, small, hid, "housing_renovation")
    assert over.status_code == 409 and over.json()["anomaly_id"]
    assert Decimal((await client.get(f"/api/v1/allocations/{small['id']}", headers=county)).json()["spent"]) == 0


async def test_later_registry_facts_change_what_is_due(app, client, county, settings):
    hid, (bride,) = await household(app, settings, grade="C", members=[{"stage": "university"}])
    await feed(settings, REGISTRY_HOUSEHOLD,
               registry("household.housing_assessed", hid, VILLAGE, grade="D", previous_grade="C",
                        assessed_on="2026-04-01"),
               registry("member.removed", hid, VILLAGE, member_id=str(bride), reason="marriage_out",
                        effective_on="2026-05-01", size=0))

    async def applied(session):
        return (await session.get(MemberFact, bride)).status == "left"
    await wait_for(app, applied)
    quote = await client.get("/api/v1/subsidies/quote", headers=county,
                             params={"kind": "housing_renovation", "household_id": str(hid), "period": "2026"})
    assert quote.json()["amount"] == "45000.00"
    alloc = await allocation(client, county, amount="9000.00")
    gone = await pay(client, county, alloc, hid, "education", member=bride)
    assert gone.status_code == 422
    assert len(await anomalies(client, county, kind="unknown_beneficiary", household_id=str(hid))) == 1


async def test_members_listed_at_registration_can_be_paid(app, client, county, settings):
    """An imported household's members come only in household.registered: they are known, not 'unknown'."""
    hid, pupil = uuid.uuid4(), uuid.uuid4()
    listed = {"member_id": str(pupil), "relation": "之子", "sex": "male", "birth_year": 2012, "health": "healthy",
              "disability_grade": 0, "labour_capacity": "none", "schooling_stage": "junior",
              "schooling_status": "enrolled", "boarding": True, "medical_insurance": True}
    await feed(settings, REGISTRY_HOUSEHOLD, registry(
        "household.registered", hid, VILLAGE, poverty_status="lifted", year_lifted=2019, dibao=False, tekun=False,
        size=1, labour_capable_members=0, per_capita_income="8000.00", housing_grade="B", safe_water=True,
        uninsured_members=0, dropout_members=0, tags=[], main_cause=None, helper_user_ids=[], members=[listed]))
    await wait_for(app, lambda session: session.get(MemberFact, pupil))
    alloc = await allocation(client, county)
    school = await pay(client, county, alloc, hid, "education", member=pupil)
    assert school.status_code == 201, school.text
    assert school.json()["amount"] == "1250.00"  # boarding junior, from the listed facts


async def test_a_pupil_added_to_a_household_is_paid_the_education_aid_its_facts_entitle(app, client, county, settings):
    """A member added later (member.added) brings the facts household.registered lists for its members: an added
    boarding junior pupil is paid as a listed one; a newcomer not at school is still refused."""
    hid, _ = await household(app, settings)
    pupil, toddler = uuid.uuid4(), uuid.uuid4()
    facts = {"health": "healthy", "disability_grade": 0, "labour_capacity": "none", "medical_insurance": True}
    await feed(settings, REGISTRY_HOUSEHOLD, *(
        registry("member.added", hid, VILLAGE, member_id=str(m), relation="之子", sex="M", birth_year=year,
                 size=size, facts=facts | more)
        for m, year, size, more in ((pupil, 2012, 1, {"schooling_stage": "junior", "schooling_status": "enrolled",
                                                      "boarding": True}), (toddler, 2024, 2, {}))))

    async def applied(session):
        rows = [await session.get(MemberFact, m) for m in (pupil, toddler)]
        return all(rows) and rows[0].schooling_stage == "junior"
    await wait_for(app, applied)
    alloc = await allocation(client, county, amount="10000.00")
    school = await pay(client, county, alloc, hid, "education", member=pupil)
    assert school.status_code == 201, school.text
    assert school.json()["amount"] == "1250.00"                           # boarding junior, as a listed pupil
    refused = await pay(client, county, alloc, hid, "education", member=toddler)
    assert refused.status_code == 422
