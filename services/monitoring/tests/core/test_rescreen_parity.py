"""One rule, two ways to apply it: for the same facts and the same line, the set-based re-screen
(``domain.rescreen``) and the per-event path (``rules.income`` → ``signals.record_signal``, household by
household) record the same signals, open and join the same cases, write the same history and stage
byte-identical event payloads. Each path runs in a transaction of its own that is rolled back, so both
see the same read model."""

import uuid
from decimal import Decimal

from sqlalchemy import text

from backstop_common.uow import UnitOfWork
from monitoring.domain import rules
from monitoring.domain.policy import effective_policy, scope_of
from monitoring.domain.rescreen import rescreen
from monitoring.domain.signals import record_signal
from monitoring.repository import households as household_repo
from monitoring.repository import policies as policy_repo
from monitoring.vocab import Source

from .support import registered, wait_for_case

TOWNSHIP, VILLAGE = "211204011000", "211204011001"
RAISED_LINE = Decimal("7500.00")


async def _outcome(session, households: list[uuid.UUID], now, after_seq: int | None = None) -> dict:
    """Everything either path wrote for ``households`` at ``now``, with the ids it generated (new cases,
    signals, history lines) replaced by names, so the rest can be compared byte for byte. Events: this
    transaction's, or (``after_seq``) those committed after that outbox row."""
    await session.flush()
    names = {}
    for hh in households:
        names[str(hh)] = f"<household {households.index(hh)}>"
    signals = (await session.execute(text(
        "SELECT id, household_id, case_id, village_code, risk_type, rule, fact_key, facts::text, source, actor_user_id"
        " FROM signals WHERE household_id = ANY(:h) AND created_at = :now ORDER BY household_id"),
        {"h": households, "now": now})).all()
    cases = (await session.execute(text(
        "SELECT id, household_id, village_code, stage, risk_types, source, opened_at, decision_due_at, due_step,"
        " due_at, next_due_at, version, updated_at FROM cases WHERE household_id = ANY(:h) ORDER BY household_id"),
        {"h": households})).all()
    for s in signals:
        who = names[str(s.household_id)]
        names[str(s.id)] = f"<signal of {who}>"
        names.setdefault(str(s.case_id), f"<case of {who}>")
    steps = (await session.execute(text(
        "SELECT case_id, action, from_stage, to_stage, actor_user_id, note, data::text FROM case_steps"
        " WHERE case_id = ANY(:c) AND at = :now ORDER BY case_id, action"),
        {"c": [s.case_id for s in signals], "now": now})).all()
    staged = "xmin = pg_current_xact_id()::xid" if after_seq is None else "seq > :after"
    events = (await session.execute(text(  # the set path stages its events by SQL, not through ``uow.publish``
        f"SELECT topic, type, subject, key, area_code, data::text FROM outbox WHERE subject = ANY(:c) AND {staged}"
        " ORDER BY seq"), {"c": [str(s.case_id) for s in signals], "after": after_seq})).all()

    def named(value) -> str:
        out = str(value)
        for generated, name in names.items():
            out = out.replace(generated, name)
        return out

    return {
        "signals": [named(tuple(s[1:])) for s in signals],
        "cases": [named(tuple(c)) for c in cases],
        "steps": sorted(named(tuple(s)) for s in steps),
        "events": [named(tuple(e)) for e in events],
    }


async def _apply(app, households: list[uuid.UUID], path: str, now) -> dict:
    async with app.state.sessions() as session:
        uow = UnitOfWork(session, "monitoring", clock=app.state.clock)
        county = await effective_policy(session, VILLAGE, 2021)
        values = county.model_dump(exclude={"year", "area_code", "scope", "version"})
        policy = await policy_repo.upsert(session, {
            **values, "year": 2021, "area_code": TOWNSHIP, "scope": scope_of(TOWNSHIP), "income_line": RAISED_LINE,
            "version": 1}, changed=values)
        if path == "rescreen":
            result = await rescreen(uow, policy, now)
            assert result.signals_opened == 3 and result.cases_opened == 2 and result.cases_joined == 1
        else:
            for hh in sorted(households):
                facts = await household_repo.get(session, hh, lock=True)
                for draft in rules.income(facts, policy):
                    await record_signal(uow, facts, draft, Source.RESCREEN, now)
        outcome = await _outcome(session, households, now)
        await session.rollback()
        return outcome


async def test_the_rescreen_and_the_per_event_path_open_the_same_cases_with_the_same_events(app, feed):
    coded, uncoded, housed, above = (uuid.uuid4() for _ in range(4))
    await feed(registered(coded, VILLAGE, per_capita_income="6500.00", income_year=2021, main_cause="0201"),
               registered(uncoded, VILLAGE, per_capita_income="7000.00", income_year=2021),
               registered(housed, VILLAGE, per_capita_income="6800.00", income_year=2021, housing_grade="D"),
               registered(above, VILLAGE, per_capita_income="9000.00", income_year=2021))
    await wait_for_case(app, housed)  # open for its unsafe house: the income signal joins it
    households, now = [coded, uncoded, housed, above], app.state.clock.now()

    by_event = await _apply(app, households, "event", now)
    by_set = await _apply(app, households, "rescreen", now)

    assert len(by_event["signals"]) == 3 and len(by_event["events"]) == 5  # 2 × (opened + detected) + detected
    assert by_set == by_event
