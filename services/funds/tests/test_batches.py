"""Runs applied by the set (an import's registrations, a department feed's changes) leave what one event at a time
leaves (issue 18)."""

import uuid
from datetime import timedelta

import pytest
from aiokafka.structs import ConsumerRecord, TopicPartition
from sqlalchemy import select, text

from backstop_common.consumer import EventConsumer
from backstop_common.envelope import to_kafka
from backstop_common.kafka import Publisher
from backstop_common.topics import REGISTRY_HOUSEHOLD
from backstop_common.uow import UnitOfWork
from backstop_events.registry import HouseholdRegistered, MemberHealthChanged, MemberSchoolingChanged
from funds.events import catalog
from funds.handlers import BATCH_HANDLERS, HANDLERS, on_household_registered, on_households_registered
from funds.models import HouseholdFact, MemberFact, Suggestion
from funds.repository.readmodel import Rows
from tests.helpers import monitoring, registry

VILLAGES = ("211204101301", "211204101302", "211204101303", "211204101304", "211204101305", "211204101306",
            "211204101307", "211204101308", "211204101309", "211204101310")


def _household(village: str, n: int):
    listed = [{"member_id": str(uuid.uuid4()), "relation": "之子", "sex": "male", "birth_year": 2010 + i,
               "health": "healthy", "disability_grade": 0, "labour_capacity": "none", "schooling_stage": "junior",
               "schooling_status": "enrolled", "boarding": bool(i % 2), "medical_insurance": i != 1}
              for i in range(n)]
    event = registry("household.registered", uuid.uuid4(), village, poverty_status="lifted", year_lifted=2019,
                     dibao=n == 2, tekun=False, size=n, labour_capable_members=1, per_capita_income="8000.00",
                     housing_grade="CD"[n % 2], safe_water=True, uninsured_members=0, dropout_members=0, tags=[],
                     main_cause=None, helper_user_ids=[f"h-{n}"], members=listed)
    return event, HouseholdRegistered.model_validate(event.data)


async def _facts(app, village: str) -> list[tuple]:
    """Every household of the village with its members, ids and times taken out."""
    async with app.state.sessions() as session:
        households = (await session.execute(select(HouseholdFact).where(HouseholdFact.village_code == village)
                                            )).scalars().all()
        members = (await session.execute(select(MemberFact).where(
            MemberFact.household_id.in_([h.id for h in households])))).scalars().all()
    skip = {"id", "household_id", "updated_at", "village_code", "case_id"}

    def plain(row) -> tuple:
        return tuple(sorted((k, str(v)) for k, v in row.model_dump().items() if k not in skip))
    return sorted((plain(h), sorted(plain(m) for m in members if m.household_id == h.id)) for h in households)


async def test_a_run_of_registrations_gives_what_one_by_one_gives_and_again_the_same(app):
    batch = [_household(VILLAGES[0], n) for n in (1, 2, 3)]
    twin = [_household(VILLAGES[1], n) for n in (1, 2, 3)]
    async with app.state.sessions() as session:
        uow = UnitOfWork(session, "funds", clock=app.state.clock)
        await on_households_registered(batch, uow)
        await uow.commit()
    for event, data in twin:
        async with app.state.sessions() as session:
            uow = UnitOfWork(session, "funds", clock=app.state.clock)
            await on_household_registered(event, data, uow)
            await uow.commit()
    batched = await _facts(app, VILLAGES[0])
    assert sorted(len(members) for _, members in batched) == [1, 2, 3]
    assert batched == await _facts(app, VILLAGES[1])
    async with app.state.sessions() as session:  # redelivered (the inbox keeps it out; the facts would not move)
        uow = UnitOfWork(session, "funds", clock=app.state.clock)
        await on_households_registered(batch, uow)
        await uow.commit()
    assert await _facts(app, VILLAGES[0]) == batched


def _member_events(household: uuid.UUID, village: str, member: uuid.UUID) -> tuple:
    """A health change before the household's registration and a schooling change after it, of one member."""
    health = registry("member.health_changed", household, village, member_id=member, health="serious_illness",
                      disability_grade=0, medical_out_of_pocket="1200.00", year=2026)
    schooling = registry("member.schooling_changed", household, village, member_id=member, stage="senior",
                         status="enrolled", age=16, boarding=True)
    return (health, MemberHealthChanged.model_validate(health.data)), \
        (schooling, MemberSchoolingChanged.model_validate(schooling.data))


async def test_a_run_of_registrations_between_other_events_of_its_households_keeps_their_order(app):
    """One transaction (a consumer's fetch): a member's health change (an object of the session), the run of
    registrations that lists the member (written past the session), the member's schooling change (the session
    must read the member again) — what three transactions one after the other leave."""
    async def facts_after(village: str, transactions: list[list]) -> list[tuple]:
        for items in transactions:
            async with app.state.sessions() as session:
                uow = UnitOfWork(session, "funds", clock=app.state.clock)
                for kind, item in items:
                    if kind == "run":
                        await on_households_registered(item, uow)
                    else:
                        await HANDLERS[item[0].type](*item, uow)
                await uow.commit()
        return await _facts(app, village)

    outcomes = []
    for village, split in ((VILLAGES[2], False), (VILLAGES[3], True)):
        run = [_household(village, n) for n in (2, 3)]
        member = run[0][1].members[0].member_id
        health, schooling = _member_events(run[0][1].household_id, village, member)
        steps = [("event", health), ("run", run), ("event", schooling)]
        outcomes.append(await facts_after(village, [[s] for s in steps] if split else [steps]))
    assert outcomes[0] == outcomes[1]
    listed = [dict(m) for _, members in outcomes[0] for m in members if dict(m)["schooling_stage"] == "senior"]
    assert len(listed) == 1 and listed[0]["health"] == "serious_illness" and listed[0]["boarding"] == "True"
    assert listed[0]["medical_insurance"] == "True" and listed[0]["medical_out_of_pocket"] == "1200.00"


def _feeds(run: list) -> list[list]:
    """After the registrations, what a department's feed and monitoring send for each household of the run: a
    status change, a member's health change (a year's self-paid cost), the case confirmed (suggestions)."""
    status, health, confirmed = [], [], []
    for event, data in run:
        status.append(registry("household.status_changed", data.household_id, data.village_code,
                               previous_status="lifted", poverty_status="lifted", dibao=True, tekun=False))
        health.append(registry("member.health_changed", data.household_id, data.village_code,
                               member_id=data.members[0].member_id, health="serious_illness", disability_grade=0,
                               medical_out_of_pocket="7000.00", year=2026))
        confirmed.append(monitoring("case.confirmed", uuid.uuid4(), data.household_id, data.village_code,
                                    category="unstable_lifted", risk_types=["01"], gaps=["housing"],
                                    plan_due_at="2026-12-31T00:00:00+08:00"))
    return [status, health, confirmed]


async def _suggested(app, village: str) -> list[tuple]:
    async with app.state.sessions() as session:
        rows = (await session.execute(select(Suggestion).where(Suggestion.village_code == village))).scalars().all()
    return sorted((r.kind, r.period, str(r.amount), r.status, r.member_id is None) for r in rows)


async def test_runs_of_every_fact_type_give_what_one_by_one_gives(app):
    """A department feed's run of one type by its batch twin (one transaction) against the same events each in a
    transaction of its own (the per-event handler)."""
    async def apply(village: str, batched: bool) -> tuple[list, list]:
        run = [_household(village, n) for n in (1, 2, 3)]
        steps = [[(e, d) for e, d in run], *[[(e, _parsed(e)) for e in events] for events in _feeds(run)]]
        for items in steps:
            for chunk in ([items] if batched else [[item] for item in items]):
                async with app.state.sessions() as session:
                    uow = UnitOfWork(session, "funds", clock=app.state.clock)
                    await (BATCH_HANDLERS[chunk[0][0].type](chunk, uow) if batched else
                           HANDLERS[chunk[0][0].type](*chunk[0], uow))
                    await uow.commit()
        return await _facts(app, village), await _suggested(app, village)

    batched, one_by_one = await apply(VILLAGES[4], True), await apply(VILLAGES[5], False)
    assert batched == one_by_one
    facts, suggested = batched
    assert all(("monitored", "True") in household and ("dibao", "True") in household for household, _ in facts)
    assert [m for _, members in facts for m in members if ("health", "serious_illness") in m]
    assert {kind for kind, *_ in suggested} >= {"housing_renovation", "medical_relief"}



def _parsed(event):
    """The event's data in its payload model, as the consumer parses it."""
    return catalog.consumed_models()[event.type].model_validate(event.data)


def _fetch(events: list, partition_of: dict) -> dict:
    """The records of ``events`` as one fetch hands them to the consumer, each household's on its partition."""
    batches: dict = {}
    for offset, event in enumerate(events):
        rec, partition = to_kafka(event), partition_of[event.subject]
        batches.setdefault(TopicPartition(REGISTRY_HOUSEHOLD, partition), []).append(ConsumerRecord(
            REGISTRY_HOUSEHOLD, partition, offset, 0, 0, rec.key, rec.value, None, len(rec.key), len(rec.value),
            tuple(rec.headers)))
    return dict(sorted(batches.items()))


async def test_one_fetch_of_registrations_and_each_household_s_grades_gives_what_one_by_one_gives(app, settings):
    """The shape test_replicas' funds process applied when its read model was reported holding 1 of 6 households
    (docs/scaling.md): one fetch of two partitions, several households' registrations then eight housing
    assessments each, in one transaction through funds' own consumer — against the same events each in a
    transaction of its own (the per-event handler). It holds: the set-based path alone does not lose them."""
    consumer = EventConsumer(settings=settings, session_factory=app.state.sessions, publisher=Publisher(settings),
                             handlers=HANDLERS, topics=[REGISTRY_HOUSEHOLD], models=catalog.consumed_models(),
                             group_id=f"funds-fetch-{uuid.uuid4().hex[:6]}", clock=app.state.clock,
                             batch_handlers=BATCH_HANDLERS)

    def stream(village: str) -> list:
        run = [_household(village, n) for n in (1, 2, 3, 2, 1)]
        households, events = [data.household_id for _, data in run], [event for event, _ in run]
        for n in range(8):
            events += [registry("household.housing_assessed", h, village, grade="ABCD"[(n + i) % 4],
                                assessed_on="2026-01-01") for i, h in enumerate(households)]
        return events

    fetched, one_by_one = stream(VILLAGES[6]), stream(VILLAGES[7])
    # the first three households on one partition, the other two on another, as that run's fetch held them
    await consumer._apply_fetch(_fetch(fetched, {e.subject: int(i >= 3) for i, e in enumerate(fetched[:5])}))
    for event in one_by_one:
        async with app.state.sessions() as session:
            uow = UnitOfWork(session, "funds", clock=app.state.clock)
            await HANDLERS[event.type](event, _parsed(event), uow)
            await uow.commit()
    async with app.state.sessions() as session:  # in one transaction: the fetch path, not the one-by-one fallback
        claimed = (await session.execute(text("SELECT count(*), count(DISTINCT applied_at) FROM inbox WHERE "
                                              "consumer = :group"), {"group": consumer.group_id})).one()
    assert tuple(claimed) == (len(fetched), 1)
    facts = await _facts(app, VILLAGES[6])
    assert len(facts) == 5 and facts == await _facts(app, VILLAGES[7])
    assert sorted(dict(household)["housing_grade"] for household, _ in facts) == sorted("DABCD")


async def test_a_registration_parsed_for_what_funds_reads_of_it_gives_what_the_registry_s_model_gives(app):
    """Funds parses ``household.registered`` into its own model (the facts its read model keeps): a run parsed so
    leaves what the same run parsed as the registry's model leaves. A member without the facts funds does not read
    (kin, disability, labour) still parses; one without its health, which funds keeps, does not."""
    async def registered(village: str, parse) -> list[tuple]:
        run = []
        for n in (1, 2, 3):
            event, _ = _household(village, n)
            event.data.update(main_cause="illness", monitoring_category="unstable_lifted", tekun=n == 3)
            run.append((event, parse(event)))
        async with app.state.sessions() as session:
            uow = UnitOfWork(session, "funds", clock=app.state.clock)
            await on_households_registered(run, uow)
            await uow.commit()
        return await _facts(app, village)

    whole = await registered(VILLAGES[8], lambda e: HouseholdRegistered.model_validate(e.data))
    assert whole == await registered(VILLAGES[9], _parsed)
    assert all(("main_cause", "illness") in household and ("category", "unstable_lifted") in household
               for household, _ in whole)

    event, _ = _household(VILLAGES[8], 2)
    for member in event.data["members"]:
        del member["relation"], member["disability_grade"], member["labour_capacity"]
    assert [m.member_id for m in _parsed(event).members] == [uuid.UUID(m["member_id"]) for m in event.data["members"]]
    del event.data["members"][0]["health"]
    with pytest.raises(ValueError, match="health"):
        _parsed(event)


async def test_a_run_s_new_rows_are_written_each_with_its_own_values_lists_and_times(app):
    """New rows go to the table by ``COPY`` (``repository.readmodel.Rows``), their JSON lists as text: rows alike and
    a run where one differs from the others in a flag, a list and its time are each read back as they were given."""
    now, later = app.state.clock.now(), app.state.clock.now() + timedelta(minutes=1)
    alike, unlike = [uuid.uuid4() for _ in range(3)], [uuid.uuid4() for _ in range(3)]
    async with app.state.sessions() as session:
        for ids, odd in ((alike, {}), (unlike, {"monitored": True, "measure_types": ["08"], "updated_at": later})):
            rows = Rows(HouseholdFact)
            await rows.read(session, ids)
            for household in ids:
                rows.get(household, village_code=VILLAGES[2], registered=True, updated_at=now)
            vars(rows.get(ids[1])).update(odd)
            await rows.write(session)
        await session.commit()
        written = {h.id: h for h in (await session.execute(
            select(HouseholdFact).where(HouseholdFact.id.in_(alike + unlike)))).scalars()}
    usual, odd = (True, False, [], now), (True, True, ["08"], later)
    assert [(written[h].registered, written[h].monitored, written[h].measure_types, written[h].updated_at)
            for h in alike + unlike] == [usual, usual, usual, usual, odd, usual]
