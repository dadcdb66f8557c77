"""Registry events on the real broker become signals and cases: exactly one case per fact."""

import uuid

import asyncpg
from sqlalchemy import select

from backstop_common.db import plain_url
from backstop_common.testing import bearer, eventually, publish_events, read_events
from backstop_common.topics import MONITORING_CASE, REGISTRY_HOUSEHOLD

from monitoring.domain.elimination import unmet_conditions
from monitoring.domain.policy import effective_policy
from monitoring.domain.rules import gaps
from monitoring.models import HouseholdFacts, Signal

from ..clock import clock
from .support import cases_of, income, outbox_count, registered, registry_event, village_line, wait_for_case

VILLAGE = "211204001001"


async def test_income_under_the_line_opens_exactly_one_case(app, feed, settings):
    hh, fine = uuid.uuid4(), uuid.uuid4()
    await feed(registered(hh, VILLAGE), registered(fine, VILLAGE))
    assessment = income(hh, VILLAGE, "5000.00")
    await feed(assessment, income(fine, VILLAGE, "9000.00"))
    case = await wait_for_case(app, hh)
    assert case.stage == "opened" and case.source == "event" and case.due_at is not None
    assert case.risk_types == ["99"]
    assert await cases_of(app, fine) == []
    events = await read_events(settings.kafka_bootstrap_servers, MONITORING_CASE,
                               until=lambda evs: len(evs) >= 2, where=lambda e: e.subject == str(case.id))
    assert [e.name for e in events] == ["case.opened", "risk.detected"]
    detected = events[1].data
    assert detected["rule"] == "income_below_line" and detected["facts"]["income_line"] == "6000.00"
    assert detected["household_id"] == str(hh) and events[1].area_code == VILLAGE

    # the same event redelivered (same id), and the same fact in a new event: nothing new
    await publish_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, [assessment])
    again = income(hh, VILLAGE, "5000.00", assessment_id=assessment.data["assessment_id"])
    await feed(again)
    assert len(await cases_of(app, hh)) == 1
    assert await outbox_count(app, "case.opened", case.id) == 1
    assert await outbox_count(app, "risk.detected", case.id) == 1


async def test_a_second_signal_joins_the_open_case(app, feed):
    hh = uuid.uuid4()
    await feed(registered(hh, VILLAGE), income(hh, VILLAGE, "4800.00"))
    case = await wait_for_case(app, hh)
    await feed(registry_event("household.housing_assessed", hh, VILLAGE, grade="D", previous_grade="B",
                              assessed_on="2021-06-01"),
               registry_event("member.schooling_changed", hh, VILLAGE, member_id=str(uuid.uuid4()),
                              stage="junior", status="dropped_out", previous_status="enrolled", age=14,
                              boarding=False))
    [joined] = await cases_of(app, hh)
    assert joined.id == case.id
    assert joined.risk_types == ["99", "housing", "education"]
    assert await outbox_count(app, "risk.detected", case.id) == 3


async def test_flags_alone_open_a_case_even_when_income_is_fine(app, feed):
    hh = uuid.uuid4()
    await feed(registered(hh, VILLAGE, per_capita_income="12000.00", safe_water=False))
    case = await wait_for_case(app, hh)
    assert case.risk_types == ["water"]


async def test_food_and_clothing_not_secured_are_signals_gaps_and_conditions_of_elimination(app, feed):
    """两不愁 (docs/contract.md §3): 不愁吃/不愁穿 false is a risk signal even when income is fine, a gap of the
    case and an unmet condition of risk elimination."""
    hh, told_later = uuid.uuid4(), uuid.uuid4()
    await feed(registered(hh, VILLAGE, per_capita_income="12000.00", clothing_secure=False, food_secure=True),
               registered(told_later, VILLAGE, per_capita_income="12000.00"))
    case = await wait_for_case(app, hh)
    assert case.risk_types == ["clothing"]
    assert await cases_of(app, told_later) == []  # never told: not a gap
    await feed(registry_event("household.updated", told_later, VILLAGE, changed=["food_secure"], food_secure=False))
    later = await wait_for_case(app, told_later)
    assert later.risk_types == ["food"]
    async with app.state.sessions() as session:
        facts = await session.get(HouseholdFacts, told_later)
        policy = await effective_policy(session, VILLAGE, 2021)
    assert gaps(facts) == ["food"]
    unmet = unmet_conditions(later, facts, policy, 0, clock.now())
    assert "secured_food" in {u["condition"] for u in unmet}
    await feed(registry_event("household.updated", told_later, VILLAGE, changed=["food_secure"], food_secure=True))
    async with app.state.sessions() as session:
        facts = await session.get(HouseholdFacts, told_later)
    assert "secured_food" not in {u["condition"] for u in unmet_conditions(later, facts, policy, 0, clock.now())}


async def test_the_relocation_flag_and_the_help_given_reach_the_read_model(app, feed):
    """Seed 002 (易地搬迁): the campaign check reads both from household_facts."""
    hh = uuid.uuid4()
    await feed(registered(hh, VILLAGE, per_capita_income="12000.00", relocated=True),
               registry_event("household.measure_given", hh, VILLAGE, measure_id=str(uuid.uuid4()),
                              measure_type="industry", amount="3000.00", given_on="2026-04-01", unit="农业农村局"))
    async with app.state.sessions() as session:
        facts = await session.get(HouseholdFacts, hh)
    assert facts.relocated is True and facts.measures_given == ["industry"]
    await feed(registry_event("household.updated", hh, VILLAGE, changed=["relocated"], relocated=False))
    async with app.state.sessions() as session:
        assert (await session.get(HouseholdFacts, hh)).relocated is False


async def test_a_household_whose_risk_the_nation_eliminated_is_not_at_risk_for_its_category(app, feed):
    eliminated, control = uuid.uuid4(), uuid.uuid4()
    await feed(registered(eliminated, VILLAGE, per_capita_income="12000.00", income_year=2025,
                          monitoring_category="marginal", risk_eliminated=True, risk_identified_on="2022-03-01",
                          risk_eliminated_on="2024-06-01"),
               registered(control, VILLAGE, per_capita_income="12000.00", income_year=2025, safe_water=False,
                          monitoring_category="marginal", risk_eliminated=True))
    # each arrives as the eliminated case the nation recorded; unsafe water is a new risk, the category is not
    nation = (await cases_of(app, eliminated))
    assert [(c.stage, c.category, c.source) for c in nation] == [("eliminated", "marginal", "import")]
    assert nation[0].closed_at.date().isoformat() == "2024-06-01"

    async def water_case():
        return [c for c in await cases_of(app, control) if c.stage == "opened"]
    assert [c.risk_types for c in await eventually(water_case)] == [["water"]]
    assert sorted(c.stage for c in await cases_of(app, control)) == ["eliminated", "opened"]


async def test_a_household_the_nation_monitors_arrives_as_its_confirmed_case(app, client, feed, settings):
    """监测对象类别 from the national export: the case it already is, not a new one; its signals join it."""
    hh = uuid.uuid4()
    await feed(registered(hh, VILLAGE, per_capita_income="5500.00", income_year=2021, poverty_status="lifted",
                          monitoring_category="unstable_lifted", risk_eliminated=False,
                          risk_identified_on="2021-04-02"))
    case = await wait_for_case(app, hh)
    assert (case.stage, case.category, case.source) == ("confirmed", "unstable_lifted", "import")
    assert case.confirmed_at.date().isoformat() == "2021-04-02" and case.next_visit_due is not None
    assert case.plan_due_at is None  # its plan is the national system's, not late here
    await feed(registry_event("household.water_assessed", hh, VILLAGE, safe_water=False, assessed_on="2026-05-01",
                              previous_safe_water=True))
    cases = await cases_of(app, hh)
    assert len(cases) == 1 and "water" in cases[0].risk_types and "99" in cases[0].risk_types
    imported = await read_events(settings.kafka_bootstrap_servers, MONITORING_CASE, timeout=20,
                                 where=lambda e: e.subject == str(case.id), until=lambda evs: len(evs) >= 1)
    assert imported[0].name == "case.imported" and imported[0].data["identified_on"] == "2021-04-02"
    assert await outbox_count(app, "case.opened", case.id) == 0


async def test_signals_by_http_application_and_visit(app, client, feed, settings):
    hh = uuid.uuid4()
    await feed(registered(hh, VILLAGE, per_capita_income="9000.00"))
    cadre = bearer(settings, "village_cadre", VILLAGE)
    body = {"household_id": str(hh), "risk_type": "01", "source": "application", "reference": "SQ-2021-001",
            "note": "heavy medical bills"}
    first = await client.post("/api/v1/signals", json=body, headers=cadre)
    assert first.status_code == 201, first.text
    case_id = first.json()["signal"]["case_id"]
    again = await client.post("/api/v1/signals", json=body, headers=cadre)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    visit = await client.post("/api/v1/signals", headers=cadre, json={
        "household_id": str(hh), "risk_type": "07", "source": "visit", "reference": "PC-7"})
    assert visit.status_code == 201 and visit.json()["signal"]["case_id"] == case_id
    assert len(await cases_of(app, hh)) == 1

    bad = await client.post("/api/v1/signals", headers=cadre, json={**body, "risk_type": "42"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    other = await client.post("/api/v1/signals", json=body, headers=bearer(settings, "village_cadre", "211204001002"))
    assert other.status_code == 404
    auditor = await client.post("/api/v1/signals", json=body, headers=bearer(settings, "auditor", "211204000000"))
    assert auditor.status_code == 403
    assert len(await cases_of(app, hh)) == 1


async def test_a_household_whose_registration_has_not_arrived_is_answered_503_not_404(app, client, settings):
    hh = uuid.uuid4()
    cadre = bearer(settings, "village_cadre", VILLAGE)
    body = {"household_id": str(hh), "risk_type": "01", "source": "application", "reference": "SQ-2021-503"}
    holder = await asyncpg.connect(plain_url(settings.database_url))
    try:
        tx = holder.transaction()
        await tx.start()
        await holder.execute("LOCK TABLE inbox IN ACCESS EXCLUSIVE MODE")  # the consumer stalls on its claim
        await publish_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, [registered(hh, VILLAGE)])

        async def behind():
            return (await client.get("/_ops/position")).json()["consumer"]["lag"]
        assert await eventually(behind)
        early = await client.post("/api/v1/signals", json=body, headers=cadre)
        assert early.status_code == 503 and early.headers["content-type"] == "application/problem+json"
        assert early.headers["Retry-After"] and early.json()["code"] == "read_model_behind"
        history = await client.get(f"/api/v1/households/{hh}/monitoring", headers=cadre)
        assert history.status_code == 503
        await tx.rollback()
    finally:
        await holder.close()

    async def accepted():
        resp = await client.post("/api/v1/signals", json=body, headers=cadre)
        return resp if resp.status_code != 503 else None
    assert (await eventually(accepted)).status_code == 201
    stranger = await client.post("/api/v1/signals", headers=cadre, json={**body, "household_id": str(uuid.uuid4())})
    assert stranger.status_code == 404  # caught up: unknown is unknown


async def test_a_registration_on_the_broker_not_yet_fetched_is_answered_503_not_404(app, client, settings):
    """The ends the consumer last saw are as old as its last fetch (up to the idle fetch wait on a quiet stack): a
    miss asks the broker. With its fetching paused, a registration the broker holds is "not yet" — 404 would tell a
    client that a household registered a moment ago does not exist (session 9's CI, tests/test_documented_errors)."""
    consumer = app.state.consumer
    assert await eventually(lambda: consumer._live is not None and consumer.positions.caught_up(REGISTRY_HOUSEHOLD))
    live, hh = consumer._live, uuid.uuid4()
    body = {"household_id": str(hh), "risk_type": "01", "source": "application", "reference": "SQ-2021-504"}
    cadre = bearer(settings, "village_cadre", VILLAGE)
    live.pause(*live.assignment())
    try:
        await publish_events(settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, [registered(hh, VILLAGE)])
        early = await client.post("/api/v1/signals", json=body, headers=cadre)
        assert early.status_code == 503 and early.json()["code"] == "read_model_behind", early.text
    finally:
        live.resume(*live.assignment())

    async def accepted():
        resp = await client.post("/api/v1/signals", json=body, headers=cadre)
        return resp if resp.status_code != 503 else None
    assert (await eventually(accepted)).status_code == 201


async def test_concurrent_reports_for_one_household_make_one_case(app, client, feed, settings):
    import asyncio

    hh = uuid.uuid4()
    await feed(registered(hh, VILLAGE, per_capita_income="9000.00"))
    cadre = bearer(settings, "village_cadre", VILLAGE)
    answers = await asyncio.gather(*(client.post("/api/v1/signals", headers=cadre, json={
        "household_id": str(hh), "risk_type": "05", "source": "visit", "reference": f"PC-{n}"}) for n in range(6)))
    assert [a.status_code for a in answers] == [201] * 6, [a.text for a in answers]
    [case] = await cases_of(app, hh)
    assert {a.json()["signal"]["case_id"] for a in answers} == {str(case.id)}
    assert await outbox_count(app, "case.opened", case.id) == 1


async def test_ops_and_the_event_contract(client):
    assert (await client.get("/healthz")).json()["status"] == "ok"
    assert (await client.get("/readyz")).status_code == 200
    doc = (await client.get("/asyncapi.json")).json()
    sent = {m["name"] for m in doc["components"]["messages"].values()}
    assert {"backstop.monitoring.case.opened.v1", "backstop.monitoring.case.overdue.v1",
            "backstop.monitoring.area.cluster_alert.v1", "backstop.registry.household.income_assessed.v1"} <= sent
    assert (await client.get("/api/v1/cases")).status_code == 401


async def test_a_dropped_out_child_added_to_a_household_opens_its_case_as_a_listed_one_would(app, feed):
    """member.added carries the member's facts (as household.registered lists them): an added child out of school
    is the household's dropout, screened like the schooling change; a healthy insured newcomer changes nothing."""
    hh, child, baby, later = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    facts = dict(health="healthy", disability_grade=0, labour_capacity="none", medical_insurance=True)

    def added(member, size, **more):
        return registry_event("member.added", hh, VILLAGE, member_id=str(member), relation="之子", sex="M",
                              birth_year=2011, size=size, facts=facts | more)

    async def size_is(size):
        async with app.state.sessions() as session:
            row = await session.get(HouseholdFacts, hh)
            return row if row is not None and row.size == size else None

    await feed(registered(hh, VILLAGE, per_capita_income="12000.00", income_year=2021), added(baby, 4))
    assert (await eventually(lambda: size_is(4))).dropout_members == 0
    assert not await cases_of(app, hh)
    await feed(added(child, 5, schooling_stage="junior", schooling_status="dropped_out"))
    case = await wait_for_case(app, hh)
    assert case.risk_types == ["education"]
    assert (await size_is(5)).dropout_members == 1
    # the registry saying it again as a schooling change is the same signal, not a second one
    await feed(registry_event("member.schooling_changed", hh, VILLAGE, member_id=str(child), stage="junior",
                              status="dropped_out", previous_status="dropped_out", age=15, boarding=False),
               added(later, 6))
    assert (await eventually(lambda: size_is(6))).dropout_members == 1
    assert await outbox_count(app, "risk.detected", case.id) == 1


async def test_a_changed_policy_is_screened_by_the_next_event(app, feed):
    """The policy in force is remembered between events (``signals.policy_in_force``) only while the policies
    table is unchanged: a row added without a re-screen (as a migration or a console might) rules the very
    next event."""
    village = "211204001097"
    before, after = uuid.uuid4(), uuid.uuid4()
    await feed(registered(before, village), registered(after, village))
    await feed(income(before, village, "6500.00"))  # over the county's 6,000: nothing, the policy remembered
    assert await cases_of(app, before) == []
    async with village_line(app, village, "7000.00"):
        await feed(income(after, village, "6500.00"))
        [case] = await cases_of(app, after)
        async with app.state.sessions() as session:
            [signal] = (await session.execute(select(Signal).where(Signal.household_id == after))).scalars().all()
        assert case.stage == "opened" and signal.facts["income_line"] == "7000.00"
