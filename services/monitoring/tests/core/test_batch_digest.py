"""A bulk import digested by the set (issue 18): the same registry events applied as the consumer's batches
(``handlers.BATCH_HANDLERS``: a partition's fetch in one transaction, runs of one type by the set) and one
event at a time (the per-event handlers, a transaction each) leave the same read model, signals, cases,
history and 低保 follow-up, and stage the same events, byte for byte, in the same order for each subject.

Both copies run at one stopped instant, on households of their own (the same facts under other ids and in a
village of their own), and are compared with the generated ids replaced by names."""

import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from aiokafka.structs import ConsumerRecord
from sqlalchemy import text

from backstop_common.clock import Clock
from backstop_common.consumer import EventConsumer
from backstop_common.envelope import to_kafka
from backstop_common.kafka import Publisher
from monitoring.domain.policy import area_chain
from monitoring.events import catalog
from monitoring.handlers import BATCH_HANDLERS, HANDLERS
from monitoring.repository.policies import newest_in_chain, newest_in_chains

from .support import income, registered, registry_event, village_line



class Stopped(Clock):
    """The app's time when made, kept (both copies see one instant; no deadline falls due meanwhile)."""

    def __init__(self, at: datetime):
        super().__init__()
        self.at = at

    def now(self) -> datetime:
        return self.at


def _member(member_id, **over) -> dict:
    return dict(member_id=str(member_id), relation="户主", sex="男", birth_year=1970, health="healthy",
                disability_grade=0, labour_capacity="普通劳动力", medical_insurance=True) | over


def county_year(village: str, hh: list[uuid.UUID], members: list[uuid.UUID]) -> list[list]:
    """Two fetches of one county's events: the import's registrations, then a day of changes."""
    h = hh
    registrations = [
        registered(h[0], village, per_capita_income="5000.00", income_year=2021, main_cause="0201"),
        registered(h[1], village, per_capita_income="9000.00", income_year=2021, housing_grade="D",
                   dropout_members=1, members=[_member(members[0])]),
        registered(h[2], village, per_capita_income="5500.00", income_year=2021, monitoring_category="unstable",
                   risk_identified_on="2024-05-01"),
        registered(h[3], village, per_capita_income="4000.00", income_year=2020),  # under 2020's 低保 line
        registered(h[4], village, per_capita_income="6500.00", income_year=2020, dibao=True),  # 渐退 starts
        registered(h[5], village, per_capita_income="12000.00", income_year=2021,
                   members=[_member(members[1], health="major_illness", disability_grade=2),
                            _member(members[2], relation="之子", birth_year=2012, schooling_stage="初中",
                                    schooling_status="enrolled")]),
        registered(h[6], village, per_capita_income="12000.00", income_year=2021),
    ]
    changes = [
        income(h[6], village, "5800.00", year=2022, previous="12000.00"),  # opens a case
        income(h[0], village, "4800.00", year=2022, previous="5000.00"),  # joins its case
        income(h[0], village, "4700.00", year=2023, previous="4800.00"),  # the same household again: next run
        registry_event("household.housing_assessed", h[6], village, grade="C", assessed_on="2026-03-01"),  # joins
        registry_event("member.schooling_changed", h[5], village, member_id=str(members[2]), stage="初中",
                       status="dropped_out", previous_status="enrolled", age=14, boarding=False),
        registry_event("member.insurance_changed", h[5], village, member_id=str(members[1]), medical_insurance=False),
        registry_event("member.insurance_changed", h[1], village, member_id=str(members[0]), medical_insurance=False),
        registry_event("household.water_assessed", h[1], village, safe_water=False, assessed_on="2026-03-01"),
        registry_event("member.removed", h[5], village, member_id=str(members[1]), size=2, reason="death",
                       effective_on="2026-02-28"),
    ]
    return [registrations, changes]


def _records(events) -> list:
    out = []
    for offset, event in enumerate(events):
        rec = to_kafka(event)
        out.append(ConsumerRecord("registry.household", 0, offset, 0, 0, rec.key, rec.value, None, len(rec.key),
                                  len(rec.value), tuple(rec.headers)))
    return out


@pytest.fixture
def consumers(app, settings):
    stopped = Stopped(app.state.clock.now())

    def make(batched: bool) -> EventConsumer:
        return EventConsumer(settings=settings, session_factory=app.state.sessions, publisher=Publisher(settings),
                             handlers=HANDLERS, models=catalog.consumed_models(), topics=["registry.household"],
                             group_id=f"digest-{uuid.uuid4().hex[:6]}", clock=stopped,
                             batch_handlers=BATCH_HANDLERS if batched else None)
    return make


async def _outcome(app, village: str, hh: list, members: list) -> dict:
    """What the copy left, ids replaced by names (households and members by their place, the rest by what
    they belong to), so both copies compare as text."""
    names = {str(h): f"<h{i}>" for i, h in enumerate(hh)} | {str(m): f"<m{i}>" for i, m in enumerate(members)}
    names[village] = "<village>"
    q = {"h": hh, "v": village}
    async with app.state.sessions() as s:
        async def rows(sql: str) -> list:
            return [tuple(r) for r in (await s.execute(text(sql), q)).all()]
        cases = await rows("SELECT id, household_id FROM cases WHERE household_id = ANY(:h)")
        names |= {str(c): f"<case of {names[str(h)]}>" for c, h in cases}
        signals = await rows("SELECT id, household_id, rule FROM signals WHERE household_id = ANY(:h)")
        names |= {str(i): f"<signal {names[str(h)]} {rule}>" for i, h, rule in signals}
        phaseouts = await rows("SELECT id, household_id FROM dibao_phaseouts WHERE household_id = ANY(:h)")
        names |= {str(i): f"<phaseout of {names[str(h)]}>" for i, h in phaseouts}
        found = {
            "facts": await rows("SELECT * FROM household_facts WHERE household_id = ANY(:h)"),
            "members": await rows("SELECT * FROM member_facts WHERE household_id = ANY(:h)"),
            # all but changed_xid: the writing transaction's id (offline sync's order)
            "cases": await rows("SELECT to_jsonb(c) - 'changed_xid' FROM cases c WHERE household_id = ANY(:h)"),
            "signals": await rows("SELECT * FROM signals WHERE household_id = ANY(:h)"),
            "steps": await rows("SELECT case_id, action, from_stage, to_stage, actor_user_id, note, data::text, at"
                                " FROM case_steps WHERE case_id IN (SELECT id FROM cases WHERE household_id = ANY(:h))"),
            "dibao": await rows("SELECT household_id, fact_key, recommended_at FROM dibao_recommendations"
                                " WHERE household_id = ANY(:h)"),
            "phaseouts": await rows("SELECT * FROM dibao_phaseouts WHERE household_id = ANY(:h)"),
            "clusters": await rows("SELECT * FROM cluster_alerts WHERE village_code = :v"),
        }
        events = await rows("SELECT subject, type, key, area_code, data::text FROM outbox"
                            " WHERE area_code = :v ORDER BY seq")

    def named(value) -> str:
        out = str(value)
        for generated, name in names.items():
            out = out.replace(generated, name)
        return out

    outcome = {table: sorted(named(r) for r in found_rows) for table, found_rows in found.items()}
    by_subject: dict[str, list] = {}
    for subject, *rest in events:  # the outbox's order holds for each subject (each key); across them it may not
        by_subject.setdefault(named(subject), []).append(named(tuple(rest)))
    outcome["events"] = by_subject
    return outcome


def _copy(n_households: int = 7, n_members: int = 3):
    return [uuid.uuid4() for _ in range(n_households)], [uuid.uuid4() for _ in range(n_members)]


async def _one_by_one(consumer: EventConsumer, fetches: list[list]) -> None:
    """The fetches' events applied one at a time (the per-event handlers, a transaction each)."""
    for fetch in fetches:
        for record in _records(fetch):
            event, payload = consumer.decode(record)
            assert await consumer.apply(event, payload, record)


async def _by_the_set(consumer: EventConsumer, fetches: list[list]) -> None:
    """Each fetch applied as the consumer's batch (runs of one type by the set)."""
    for fetch in fetches:
        items = [(*consumer.decode(r), r) for r in _records(fetch)]
        assert await consumer.apply_batch(items)  # never fell back to one at a time


async def test_a_batch_leaves_exactly_what_one_event_at_a_time_leaves(app, consumers):
    one_by_one, batched = consumers(False), consumers(True)
    (hh_a, m_a), (hh_b, m_b) = _copy(), _copy()
    alone_village, batch_village = "211204019001", "211204019002"

    await _one_by_one(one_by_one, county_year(alone_village, hh_a, m_a))
    await _by_the_set(batched, county_year(batch_village, hh_b, m_b))

    alone = await _outcome(app, alone_village, hh_a, m_a)
    by_set = await _outcome(app, batch_village, hh_b, m_b)
    assert len(alone["cases"]) == 6 and len(alone["signals"]) >= 9 and alone["dibao"] and alone["phaseouts"]
    assert alone["clusters"]  # the village crossed the cluster threshold (5 households with signals)
    assert sum(map(len, alone["events"].values())) >= 18
    assert by_set == alone


async def test_registrations_of_known_and_new_households_leave_what_one_at_a_time_leaves(app, consumers):
    """A run of registrations where monitoring already holds some of the households (an event of theirs came
    first): the new households' rows are made as the batch writes them, the known ones read, and the batch
    leaves what one event at a time leaves."""
    one_by_one, batched = consumers(False), consumers(True)
    (hh_a, m_a), (hh_b, m_b) = _copy(), _copy()
    alone_village, batch_village = "211204019011", "211204019012"
    helpers = [uuid.uuid4() for _ in range(3)]

    def year_with_early_events(village: str, hh: list, members: list) -> list[list]:
        early = [registry_event("household.helper_assigned", hh[i], village, helper_id=str(helpers[n]),
                                helper_user_id=f"helper-{n}", unit="乡镇") for n, i in enumerate((1, 4, 6))]
        return [early, *county_year(village, hh, members)]

    await _one_by_one(one_by_one, year_with_early_events(alone_village, hh_a, m_a))
    await _by_the_set(batched, year_with_early_events(batch_village, hh_b, m_b))

    alone = await _outcome(app, alone_village, hh_a, m_a)
    by_set = await _outcome(app, batch_village, hh_b, m_b)
    assert len(alone["facts"]) == 7 and alone["clusters"]
    assert by_set == alone


async def test_signals_where_no_policy_is_in_force_leave_what_one_at_a_time_leaves(app, consumers):
    """Households of a village no policy covers: their signals open and join cases with no cluster to check (no
    village's standing is asked), so the batch's cases, history lines, events and household rows are written by a
    statement of their own, and leave what one event at a time leaves."""
    one_by_one, batched = consumers(False), consumers(True)
    (hh_a, m_a), (hh_b, m_b) = _copy(3, 0), _copy(3, 0)
    alone_village, batch_village = "991204019001", "991204019002"  # under no policy's area

    def unpoliced(village: str, hh: list) -> list[list]:
        day = "2026-03-01"
        return [[registered(h, village) for h in hh],
                [registry_event("household.housing_assessed", h, village, grade="CD"[i % 2], assessed_on=day)
                 for i, h in enumerate(hh)]
                + [registry_event("household.water_assessed", hh[0], village, safe_water=False, assessed_on=day)]]

    await _one_by_one(one_by_one, unpoliced(alone_village, hh_a))
    await _by_the_set(batched, unpoliced(batch_village, hh_b))
    alone = await _outcome(app, alone_village, hh_a, m_a)
    by_set = await _outcome(app, batch_village, hh_b, m_b)
    assert len(alone["cases"]) == 3 and len(alone["signals"]) == 4 and not alone["clusters"]
    assert by_set == alone


async def test_a_redelivered_batch_changes_nothing(app, consumers):
    batched = consumers(True)
    hh, members = _copy()
    village = "211204019003"
    fetches = [[(*batched.decode(r), r) for r in _records(fetch)] for fetch in county_year(village, hh, members)]
    for items in fetches:
        assert await batched.apply_batch(items)
    before = await _outcome(app, village, hh, members)
    for items in fetches:  # the broker hands the same records again (a rebalance before the commit)
        assert await batched.apply_batch(items)
    assert await _outcome(app, village, hh, members) == before


async def test_a_poison_event_in_a_batch_keeps_nothing_of_it_and_one_by_one_applies_the_rest(app, consumers):
    """An event whose handling fails (here: a registration whose size the model takes and the database
    column refuses) takes the whole fetch back; the consumer then applies each on its own."""
    batched = consumers(True)
    hh, members = _copy()
    village = "211204019004"
    registrations, _ = county_year(village, hh, members)
    poison = registered(uuid.uuid4(), village, size=2**40)
    registrations.insert(3, poison)
    items = [(*batched.decode(r), r) for r in _records(registrations)]
    assert not await batched.apply_batch(items)
    assert (await _outcome(app, village, hh, members))["facts"] == []  # nothing of the batch was kept
    for record in _records(registrations):
        event, payload = batched.decode(record)
        try:
            await batched.apply(event, payload, record)
        except Exception:
            assert event.id == poison.id
    after = await _outcome(app, village, hh, members)
    assert len(after["facts"]) == 7 and len(after["cases"]) == 4


def test_every_batch_handler_has_its_per_event_twin():
    assert BATCH_HANDLERS and set(BATCH_HANDLERS) <= set(HANDLERS)



def _stream(village: str, hh: list[uuid.UUID]) -> list[list]:
    """Registrations, then one fetch holding each household's six incomes (all below the line, each its own
    signal) and six housing grades, interleaved as a stream writes them."""
    registrations = [registered(h, village, per_capita_income="9000.00", income_year=2021) for h in hh]
    changes = []
    for n in range(3):
        for i, h in enumerate(hh):
            changes += [income(h, village, f"{4500 + 10 * (3 * n + k)}.00", year=2021) for k in range(2)]
            changes.insert(len(changes) - 1, registry_event("household.housing_assessed", h, village,
                                                            grade="ABCD"[(n + i) % 4], assessed_on="2026-03-01"))
            changes.append(registry_event("household.housing_assessed", h, village, grade="ABCD"[(n + i + 1) % 4],
                                          assessed_on="2026-03-01"))
    return [registrations, changes]


def _last(events) -> dict:
    """Each household's last income and grade."""
    last: dict = {}
    for e in events:
        if e.type.endswith(".household.income_assessed.v1"):
            last.setdefault(uuid.UUID(e.subject), {})["income"] = e.data["per_capita_income"]
        elif e.type.endswith(".household.housing_assessed.v1"):
            last.setdefault(uuid.UUID(e.subject), {})["grade"] = e.data["grade"]
    return {h: (v["income"], v["grade"]) for h, v in last.items()}


async def test_a_fetch_of_several_events_a_household_ends_at_its_last(app, consumers):
    """tests/test_replicas.py saw monitoring's read model left at an earlier income or grade: a fetch holding
    several of a household's events, by the set, ends where one by one does, with the same signals."""
    one_by_one, batched = consumers(False), consumers(True)
    (hh_a, m_a), (hh_b, m_b) = _copy(3, 0), _copy(3, 0)
    alone_village, batch_village = "211204019006", "211204019007"
    await _one_by_one(one_by_one, _stream(alone_village, hh_a))
    await _by_the_set(batched, _stream(batch_village, hh_b))
    alone = await _outcome(app, alone_village, hh_a, m_a)
    by_set = await _outcome(app, batch_village, hh_b, m_b)
    # one signal an income below the line, one by one and by the set: each income is screened on its own facts
    assert sum("income_below_line" in r for r in alone["signals"]) == 3 * 6
    assert by_set == alone


async def test_the_service_consumer_ends_each_household_at_its_last_event(app, feed):
    """The same stream through the app's own consumer (its batch handlers, the fetch cut by the kernel)."""
    hh, village = [uuid.uuid4() for _ in range(6)], "211204019005"
    events = [e for fetch in _stream(village, hh) for e in fetch]
    await feed(*events)
    async with app.state.sessions() as s:
        found = {h: (f"{income:.2f}", grade) for h, income, grade in (await s.execute(text(
            "SELECT household_id, per_capita_income, housing_grade FROM household_facts WHERE household_id = ANY(:h)"),
            {"h": hh})).all()}
    assert found == _last(events)


async def test_a_changed_policy_is_screened_by_the_next_batch(app, consumers):
    """A batch's policies are remembered between batches (``signals.policies_in_force``, the stamp read with the
    households' rows) only while the policies table is unchanged: a village row added without a re-screen rules
    the very next batch (it fails when the stamp is ignored)."""
    batched = consumers(True)
    hh, village = [uuid.uuid4() for _ in range(4)], "211204019008"

    async def apply(*events) -> None:
        items = [(*batched.decode(r), r) for r in _records(events)]
        assert await batched.apply_batch(items)

    await apply(*[registered(h, village) for h in hh])
    await apply(income(hh[0], village, "6500.00"), income(hh[1], village, "6500.00"))  # over the county's 6,000
    async with app.state.sessions() as s:
        assert (await s.execute(text("SELECT count(*) FROM cases WHERE household_id = ANY(:h)"), {"h": hh})).scalar() == 0
    async with village_line(app, village, "7000.00"):
        await apply(income(hh[2], village, "6500.00"), income(hh[3], village, "6500.00"))
        async with app.state.sessions() as s:
            lines = (await s.execute(text("SELECT household_id, facts ->> 'income_line' FROM signals "
                                          "WHERE household_id = ANY(:h)"), {"h": hh})).all()
        assert sorted(lines) == sorted([(hh[2], "7000.00"), (hh[3], "7000.00")])


async def test_newest_in_chains_answers_what_newest_in_chain_answers_each(app):
    """The batch's one-statement lookup (each ask's row selected whole) finds, for every (chain, year), the row
    the one-ask lookup finds — the session's same object — and None where there is none."""
    village, other = "211204019009", "211204019010"
    async with village_line(app, village, "7100.00"):
        async with app.state.sessions() as s:
            asks = [(area_chain(village), 2021), (area_chain(village), 2020), (area_chain(other), 2021),
                    (area_chain(village), 2030), (area_chain(village), 1990), (["999999999999"], 2021),
                    (area_chain(other), 2021), (area_chain(village), 2021)]
            found = await newest_in_chains(s, asks)
            one_by_one = [await newest_in_chain(s, chain, year) for chain, year in asks]
            assert [p is q for p, q in zip(found, one_by_one, strict=True)] == [True] * len(asks)
            assert found[0].area_code == village and found[0].income_line == Decimal("7100.00")
            assert found[1] is not None and found[1].year <= 2020 and found[1].area_code != village
            assert found[2] is not None and found[2].area_code != other and found[3] is not None
            assert found[4] is None and found[5] is None
            assert await newest_in_chains(s, []) == []
