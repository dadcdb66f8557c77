"""A line set above a county is re-screened county by county, each county in a transaction of its own
(``domain.rescreen``, ``jobs.rescreen_counties``): the same signals, cases, history and events as the one
transaction of the whole province; and a county left pending by a crash is finished by the recovery job,
once."""

import uuid
from ast import literal_eval
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import text

from backstop_common.testing import bearer, eventually
from backstop_common.uow import UnitOfWork
from monitoring.domain.policy import effective_policy
from backstop_common.jobs import unit_of_work
from monitoring.domain.rescreen import county_committed, pend_counties, rescreen, rescreen_counties
from monitoring.jobs import recover_rescreens
from monitoring.domain.signals import opened_case
from monitoring.repository import cases as case_repo
from monitoring.repository import policies as policy_repo
from monitoring.repository import rescreen as rescreen_repo

from ..clock import clock
from .support import cases_of, outbox_count, registered, wait_for_case
from .test_rescreen_parity import _outcome

FIRST_LINE, RAISED_LINE = Decimal("6000.00"), Decimal("7500.00")


async def _set_line(app, province: str, line: Decimal, now, *, pend: bool = False) -> None:
    """The province's 2021 row at ``line``, committed (with its counties pending when ``pend``)."""
    async with app.state.sessions() as session:
        uow = UnitOfWork(session, "monitoring", clock=app.state.clock)
        policy = await _upsert(session, province, line)
        if pend:
            await pend_counties(uow, policy, now)
        await session.commit()


async def _upsert(session, province: str, line: Decimal):
    model = await effective_policy(session, "211204011001", 2021)  # the demo county's values, this line
    values = {**model.model_dump(exclude={"year", "area_code", "scope", "version"}), "income_line": line}
    return await policy_repo.upsert(session, {**values, "year": 2021, "area_code": province.ljust(12, "0"),
                                              "scope": province, "version": 1}, changed=values)


async def _households(app, feed, villages: list[str], incomes: list[str]) -> list[uuid.UUID]:
    """A household of each village at each income (the last one's house unsafe: a case open before the line
    changes, which the income signal joins)."""
    households = []
    for village in villages:
        for n, income in enumerate(incomes):
            hh = uuid.uuid4()
            housing = "D" if n == len(incomes) - 1 else "A"
            await feed(registered(hh, village, per_capita_income=income, income_year=2021, housing_grade=housing))
            households.append(hh)
    for hh in households[len(incomes) - 1::len(incomes)]:
        await wait_for_case(app, hh)
    return households


def _per_case(events: list[str]) -> dict[str, list[str]]:
    """Each case's events (by subject, the third column), in outbox order."""
    cases = defaultdict(list)
    for event in events:
        cases[literal_eval(event)[2]].append(event)
    return cases


async def _last_seq(app) -> int:
    async with app.state.sessions() as session:
        return (await session.execute(text("SELECT coalesce(max(seq), 0) FROM outbox"))).scalar_one()


async def test_county_by_county_records_what_one_transaction_of_the_province_records(app, client, feed, settings):
    province = "22"
    await _set_line(app, province, FIRST_LINE, clock.now())
    villages = ["220102001001", "220102002001", "220103001001", "220104001001"]
    households = await _households(app, feed, villages, ["6500.00", "7000.00", "9000.00", "6800.00"])
    now = clock.now()

    async with app.state.sessions() as session:  # the one transaction, rolled back
        uow = UnitOfWork(session, "monitoring", clock=app.state.clock)
        whole = await rescreen(uow, await _upsert(session, province, RAISED_LINE), now)
        one_transaction = await _outcome(session, households, now)
        await session.rollback()

    mark = await _last_seq(app)
    await _set_line(app, province, RAISED_LINE, now, pend=True)
    results = await rescreen_counties(lambda: unit_of_work(app), 2021, province, now, parallelism=2)
    async with app.state.sessions() as session:
        by_county = await _outcome(session, households, now, after_seq=mark)
        left = (await session.execute(text("SELECT count(*) FROM rescreen_pending WHERE scope = :p"),
                                      {"p": province})).scalar_one()

    assert (whole.signals_opened, whole.cases_opened, whole.cases_joined) == (12, 8, 4)
    assert len(results) == 3 and left == 0  # 220102, 220103, 220104
    assert sum(r.signals_opened for r in results) == 12 and sum(r.cases_opened for r in results) == 8
    assert sum(r.cases_joined for r in results) == 4 and sum(r.households_below_line for r in results) == 12
    assert len(one_transaction["events"]) == 20  # 8 × (opened + detected) + 4 joined × detected
    # the counties commit in their own order: the same events, each case's in the same order
    assert {k: v for k, v in by_county.items() if k != "events"} == \
        {k: v for k, v in one_transaction.items() if k != "events"}
    assert sorted(by_county["events"]) == sorted(one_transaction["events"])
    assert _per_case(by_county["events"]) == _per_case(one_transaction["events"])

    # the PUT of the same line: the counties again, each finding nothing new
    system = bearer(settings, "system", "220000000000")
    current = (await client.get("/api/v1/policies/2021/220000000000", headers=system)).json()
    values = {k: v for k, v in current.items() if k not in ("year", "area_code", "version", "updated_by",
                                                            "updated_at")}
    again = await client.put("/api/v1/policies/2021/220000000000", json=values, headers=system)
    assert again.status_code == 200, again.text
    assert again.json()["rescreen"] | {"dibao_recommended": 0} == {
        "counties": 3, "households_below_line": 12, "signals_opened": 0, "cases_opened": 0, "cases_joined": 0,
        "cluster_alerts": 0, "dibao_recommended": 0}


async def test_a_crash_between_counties_is_finished_by_the_recovery_once(app, feed):
    province = "23"
    await _set_line(app, province, FIRST_LINE, clock.now())
    villages = ["230102001001", "230103001001", "230104001001"]
    households = await _households(app, feed, villages, ["6500.00", "6800.00"])
    now = clock.now()
    await _set_line(app, province, RAISED_LINE, now, pend=True)
    assert await county_committed(lambda: unit_of_work(app), 2021, province, "230102", now)  # then the PUT's process dies

    assert await recover_rescreens(app) == 0  # pending for a moment only: a running PUT's own
    clock.advance(timedelta(minutes=10))

    async def pending() -> int:
        await recover_rescreens(app)  # the background job may be first
        async with app.state.sessions() as session:
            return (await session.execute(text("SELECT count(*) FROM rescreen_pending WHERE scope = :p"),
                                          {"p": province})).scalar_one()
    assert await eventually(lambda: _zero(pending), timeout=20)
    assert await recover_rescreens(app) == 0

    for hh in households:
        [case] = await cases_of(app, hh)
        async with app.state.sessions() as session:
            signals = (await session.execute(text(
                "SELECT count(*) FROM signals WHERE household_id = :h AND rule = 'income_below_line'"),
                {"h": hh})).scalar_one()
        assert signals == 1
        assert await outbox_count(app, "risk.detected", case.id) == (2 if case.risk_types[0] == "housing" else 1)
        assert await outbox_count(app, "case.opened", case.id) == 1


async def _zero(count) -> bool:
    return await count() == 0


async def test_the_province_dashboard_is_its_counties_added_up(app, client, feed, settings):
    province = "24"
    await _set_line(app, province, FIRST_LINE, clock.now())
    await _households(app, feed, ["240102001001", "240102002001", "240103001001"], ["5000.00", "9000.00", "6800.00"])
    system = bearer(settings, "system", "240000000000")

    async def stats(area: str) -> dict:
        resp = await client.get("/api/v1/stats", params={"area_code": area}, headers=system)
        assert resp.status_code == 200, resp.text
        return resp.json()

    whole = await stats("240000000000")
    counties = {code: await stats(code) for code in ("240102000000", "240103000000")}
    assert [c["area_code"] for c in whole["counties"]] == list(counties)
    assert whole["townships"] == [] and whole["villages"] == []
    for listed in whole["counties"]:
        assert {k: v for k, v in listed.items() if k != "area_code"} == counties[listed["area_code"]]["totals"]
    assert whole["totals"]["households"] == 9 and whole["totals"]["cases"] == 6  # 5000 (income), 6800 (house)
    assert whole["totals"]["signals"] == sum(c["totals"]["signals"] for c in counties.values())
    county = counties["240102000000"]
    assert [t["area_code"] for t in county["townships"]] == ["240102001000", "240102002000"]
    assert county["counties"] == [] and len(county["villages"]) == 2


async def test_a_case_a_handler_opens_meanwhile_makes_the_county_run_again_and_join_it(app, feed, monkeypatch):
    province, village = "25", "250102001001"
    await _set_line(app, province, FIRST_LINE, clock.now())
    raced, other = (await _households(app, feed, [village], ["6500.00", "6600.00", "9000.00"]))[:2]
    now = clock.now()
    await _set_line(app, province, RAISED_LINE, now, pend=True)
    kept = rescreen_repo.joining
    handler_case = uuid.uuid4()

    async def a_handler_opens_a_case_first(session):
        """After the county kept its households, before it writes: an event handler opens ``raced``'s case
        (committed in its own transaction), once."""
        if not (await cases_of(app, raced)):
            async with app.state.sessions() as handler:
                policy = await effective_policy(handler, village, 2021)
                assert await case_repo.insert_unless_open(handler, opened_case(
                    handler_case, raced, village, ["housing"], "event", policy, now))
                await handler.commit()
        return await kept(session)

    monkeypatch.setattr(rescreen_repo, "joining", a_handler_opens_a_case_first)
    result = await county_committed(lambda: unit_of_work(app), 2021, province, "250102", now)

    assert (result.signals_opened, result.cases_opened, result.cases_joined) == (2, 1, 1)  # the second try's
    [case] = await cases_of(app, raced)
    assert case.id == handler_case and case.risk_types == ["housing", "99"]
    assert len(await cases_of(app, other)) == 1
    assert await outbox_count(app, "risk.detected", handler_case) == 1  # the refused try left nothing
