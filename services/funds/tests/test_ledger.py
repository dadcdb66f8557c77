"""Allocations, commitments and disbursements: exact decimals, never overspent, even concurrently."""

import asyncio
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from backstop_common.messaging_models import OutboxMessage
from backstop_common.testing import bearer, read_events
from backstop_common.topics import FUNDS_FINANCE
from funds.models import Allocation, Disbursement
from tests.helpers import OTHER_VILLAGE, VILLAGE, allocation, anomalies, money
from tests.test_projects import act, declare


async def implementing_project(client, headers, clock, **over) -> str:
    pid = (await declare(client, headers, **over))["id"]
    for action in ("appraise", "post-notice"):
        assert (await act(client, headers, pid, action)).status_code == 200
    clock.offset = timedelta(days=11)
    try:
        for action in ("list", "implement"):
            assert (await act(client, headers, pid, action)).status_code == 200
    finally:
        clock.offset = timedelta(0)
    return pid


async def _counts(app):
    async with app.state.sessions() as session:
        return (await session.execute(select(func.count()).select_from(Allocation))).scalar_one(), \
               (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()


async def test_allocation_is_published_and_bad_amounts_change_nothing(app, client, county, settings):
    created = await allocation(client, county, amount="1234567.89", source="central")
    assert created["amount"] == "1234567.89" and created["committed"] == "0.00"
    before = await _counts(app)
    for amount in ("-5.00", "abc", "10.001", "0", None):
        resp = await client.post("/api/v1/allocations", headers=county, json={
            "source": "central", "year": 2026, "purpose": "x", "amount": amount, "area_code": "211204000000"})
        assert resp.status_code == 422, amount
        assert resp.headers["content-type"] == "application/problem+json"
    bad_source = await client.post("/api/v1/allocations", headers=county, json={
        "source": "lottery", "year": 2026, "purpose": "x", "amount": "1.00", "area_code": "211204000000"})
    assert bad_source.status_code == 422
    outside = await client.post("/api/v1/allocations", headers=county, json={
        "source": "county", "year": 2026, "purpose": "x", "amount": "1.00", "area_code": "211282000000"})
    assert outside.status_code == 404
    cadre = bearer(settings, "village_cadre", VILLAGE)
    assert (await client.post("/api/v1/allocations", headers=cadre, json={
        "source": "county", "year": 2026, "purpose": "x", "amount": "1.00", "area_code": VILLAGE})).status_code == 403
    assert await _counts(app) == before
    events = await read_events(settings.kafka_bootstrap_servers, FUNDS_FINANCE, until=lambda evs: len(evs) >= 1,
                               where=lambda e: e.subject == created["id"])
    assert events[0].name == "fund.allocated"
    assert events[0].data == {"allocation_id": created["id"], "source": "central", "year": 2026,
                              "purpose": "衔接资金 2026", "amount": "1234567.89", "area_code": "211204000000"}
    sources = (await client.get("/api/v1/fund-sources", headers=county)).json()["items"]
    assert len(sources) == 7 and {s["source"] for s in sources} >= {"linkage", "integrated_agricultural"}


async def test_the_database_refuses_an_overspent_allocation(app, client, county):
    created = await allocation(client, county, amount="100.00")
    async with app.state.sessions() as session:
        try:
            await session.execute(text("UPDATE allocations SET committed = 100.01 WHERE id = :id"),
                                  {"id": created["id"]})
            raise AssertionError("CHECK constraint did not hold")
        except IntegrityError as exc:
            assert "allocation_not_overcommitted" in str(exc)


async def test_disbursements_from_the_same_area_only_and_never_beyond(app, client, county, settings, clock):
    pid = await implementing_project(client, county, clock)
    county_money = await allocation(client, county, amount="1000.00")
    other_township = await allocation(client, county, amount="1000.00", area="211204002000")

    wrong_area = await client.post("/api/v1/disbursements", headers=county, json={
        "project_id": pid, "allocation_id": other_township["id"], "amount": "10.00"})
    assert wrong_area.status_code == 422 and wrong_area.json()["allocation_area"] == "211204002000"
    negative = await client.post("/api/v1/disbursements", headers=county, json={
        "project_id": pid, "allocation_id": county_money["id"], "amount": "-10.00"})
    assert negative.status_code == 422

    funded = await client.post(f"/api/v1/projects/{pid}/fundings", headers=county, json={
        "allocation_id": county_money["id"], "amount": "600.00"})
    assert funded.status_code == 201, funded.text
    paid = await client.post("/api/v1/disbursements", headers=county, json={
        "project_id": pid, "allocation_id": county_money["id"], "amount": "400.10"})
    assert paid.status_code == 201, paid.text

    for _ in range(2):  # the same overspend twice: refused both times, one anomaly
        over = await client.post("/api/v1/disbursements", headers=county, json={
            "project_id": pid, "allocation_id": county_money["id"], "amount": "999.00"})
        assert over.status_code == 409 and over.json()["anomaly_id"]
    found = await anomalies(client, county, kind="over_allocation", project_id=pid)
    assert len(found) == 1 and money(found[0]["amount"]) == Decimal("799.10")  # 999 − 199.90 uncommitted on the line
    alloc = (await client.get(f"/api/v1/allocations/{county_money['id']}", headers=county)).json()
    assert (alloc["committed"], alloc["spent"]) == ("600.00", "400.10")

    events = await read_events(settings.kafka_bootstrap_servers, FUNDS_FINANCE,
                               until=lambda evs: len(evs) >= 2,
                               where=lambda e: e.data.get("project_id") == pid and e.name in (
                                   "disbursement.made", "finance.anomaly_detected"))
    await asyncio.sleep(0.5)
    again = await read_events(settings.kafka_bootstrap_servers, FUNDS_FINANCE, until=lambda evs: False, timeout=2,
                              where=lambda e: e.data.get("project_id") == pid and e.name == "finance.anomaly_detected")
    assert len(again) == 1 and again[0].data["kind"] == "over_allocation"
    made = [e for e in events if e.name == "disbursement.made"][0]
    assert made.data["amount"] == "400.10" and made.data["allocation_id"] == county_money["id"]


async def test_concurrent_disbursements_never_overspend(app, client, county, clock):
    pid = await implementing_project(client, county, clock, project_type="road", name="通组道路")
    alloc = await allocation(client, county, amount="1000.00")

    async def pay():
        return await client.post("/api/v1/disbursements", headers=county, json={
            "project_id": pid, "allocation_id": alloc["id"], "amount": "300.00"})
    results = await asyncio.gather(*(pay() for _ in range(8)))
    assert sorted(r.status_code for r in results) == [201] * 3 + [409] * 5
    async with app.state.sessions() as session:
        row = await session.get(Allocation, alloc["id"])
        paid = (await session.execute(select(func.sum(Disbursement.amount))
                                      .where(Disbursement.allocation_id == alloc["id"]))).scalar_one()
    assert row.spent == row.committed == paid == Decimal("900.00")
    assert len(await anomalies(client, county, kind="over_allocation", project_id=pid)) == 1


async def test_project_not_yet_in_implementation_is_not_paid(client, county):
    pid = (await declare(client, county, area_code=OTHER_VILLAGE))["id"]
    alloc = await allocation(client, county, amount="10.00")
    resp = await client.post("/api/v1/disbursements", headers=county, json={
        "project_id": pid, "allocation_id": alloc["id"], "amount": "1.00"})
    assert resp.status_code == 409 and resp.json()["stage"] == "declared"
