"""After a registry event updated the read model (handlers.py, one per event type): run its rule, record
signals, check the cluster."""

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog

from backstop_common.uow import UnitOfWork
from backstop_events.registry import HouseholdUpdated, MeasureGiven
from monitoring.domain import cluster, dibao, readmodel
from monitoring.domain.rules import Draft
from monitoring.domain.signals import Recorded, policies_in_force, policy_in_force, record_many, record_signal
from monitoring.models import HouseholdFacts, Policy
from monitoring.repository import cases as case_repo
from monitoring.repository import households
from monitoring.repository import signals as signal_repo
from monitoring.vocab import Source

log = structlog.get_logger()
#: an event's rule with its payload and the facts bound: the policy in force → the signals it drafts
Rule = Callable[[Policy | None], list[Draft]]


def _track_income_stability(facts: HouseholdFacts, policy: Policy | None, now: datetime) -> None:
    if facts.per_capita_income is None or policy is None:
        return
    if facts.per_capita_income >= policy.income_line:
        facts.income_above_since = facts.income_above_since or now
    else:
        facts.income_above_since = None


async def on_dibao(uow: UnitOfWork, household_id: uuid.UUID) -> bool:
    """Whether the household is on 低保 before a status change is applied (the event carries no previous
    value)."""
    facts = await households.get(uow.session, household_id)
    return bool(facts and facts.dibao)


async def screen(uow: UnitOfWork, facts: HouseholdFacts, rule: Rule, now: datetime, *, income: bool = False,
                 was_on_dibao: bool = False) -> int:
    """After the read model took an event: run its rule against the policy in force, follow the income
    (stability, 低保 recommendation), record the signals and check the village's cluster. ``income`` for an
    event carrying an income (its own year's policy applies); returns how many new signals it produced."""
    year = facts.income_year if income and facts.income_year else now.year
    policy = await policy_in_force(uow.session, facts.village_code, year)
    if income:
        _track_income_stability(facts, policy, now)
    if policy is None:
        log.warning("monitoring.no_policy", village_code=facts.village_code, year=year)
    drafts = rule(policy)
    if income:
        await dibao.after_income(uow, facts, policy, now)
    if was_on_dibao and not facts.dibao:
        drafts += [d for d in [await dibao.after_dibao_ended(uow, facts, now)] if d is not None]
    recorded = 0
    for draft in drafts:
        signal_id, case = await record_signal(uow, facts, draft, Source.EVENT, now)
        if signal_id is not None:
            recorded += 1
            log.info("risk.detected", household_id=str(facts.household_id), rule=draft.rule,
                     case_id=str(case.id))
    if recorded and policy is not None:
        await cluster.check(uow, policy, now, scope=facts.village_code, village=facts.village_code)
    return recorded


class Policies:
    """``effective_policy`` of the areas and years a batch asks for, read at once (the rows do not change
    inside its transaction): remembered by the process while the policies' stamp stands
    (``signals.policies_in_force``)."""

    def __init__(self):
        self._known: dict[tuple[str, int], Policy | None] = {}

    async def read(self, session, asks: set[tuple[str, int]]) -> None:
        self._known.update(await policies_in_force(session, asks - set(self._known)))

    def of(self, village_code: str, year: int) -> Policy | None:
        return self._known[(village_code, year)]


async def screen_many(uow: UnitOfWork, screened: list[tuple[HouseholdFacts, Rule]], now: datetime,
                      created: set[uuid.UUID], *, income: bool = False, save: list | None = None) -> int:
    """``screen`` for a batch of households, each once, that took one type's events (``created``: the
    households the batch added to the read model): the same rules, income follow-up and signals, the signals
    recorded by the set (``signals.record_many``), the cluster alert as the per-event checks would have fired it
    (``_clusters``). ``save``: the batch's household rows (``readmodel.apply_many``), written back once screened —
    by the cluster check's statement when there is a signal (``signals.cluster_standings``, with the new cases,
    history lines and events: a stream's turn is four statements, the kernel's inbox claim among them).
    Returns how many new signals it produced."""
    policies, drafted, policy_of = Policies(), [], {}
    year_of = {f.household_id: f.income_year if income and f.income_year else now.year for f, _ in screened}
    # the screening year's row, and this year's (the days a new case takes, ``signals._open_case``)
    await policies.read(uow.session, {(f.village_code, year_of[f.household_id]) for f, _ in screened}
                        | {(f.village_code, now.year) for f, _ in screened})
    for facts, rule in screened:
        year = year_of[facts.household_id]
        policy = policy_of[facts.household_id] = policies.of(facts.village_code, year)
        if income:
            _track_income_stability(facts, policy, now)
        if policy is None:
            log.warning("monitoring.no_policy", village_code=facts.village_code, year=year)
        drafted += [(facts, draft) for draft in rule(policy)]
        if income:
            await dibao.after_income(uow, facts, policy, now)
    if not drafted:
        await readmodel.save_many(uow.session, save or [])
        return 0
    done = await record_many(uow, drafted, Source.EVENT, lambda village: policies.of(village, now.year), now)
    log.info("risk.detected_many", households=len(done.households), signals=len(done.signals))
    by_village: dict[str, list] = {v: [] for v in done.villages}  # in one pass, not one a village
    for f, _ in screened:
        if (village := by_village.get(f.village_code)) is not None:
            village.append((f, policy_of[f.household_id]))
    await _clusters(uow, list(by_village.items()), created, done, now, save or [])
    return len(done.signals)


async def _clusters(uow: UnitOfWork, villages: list[tuple[str, list[tuple[HouseholdFacts, Policy | None]]]],
                    created: set[uuid.UUID], done: Recorded, now: datetime, save: list) -> None:
    """The per-event path checks the village's cluster after each event that recorded a signal, counting the
    households and signals so far: replay those checks over the batch, village by village, from where each
    stood before it (the figures without the batch's new households and signals; read for all of the batch's
    villages by one statement), so the alert fires at the same event with the same figures. A village's window
    is its first screening policy's. The statement reading them also writes what ``record_many`` left to write
    and the batch's household rows (``save``): a turn's last round trip."""
    first = {v: p for v, screened in villages
             if (p := next((p for f, p in screened if p is not None and f.household_id in done.households), None))}
    standings = await signal_repo.cluster_standings(uow.session, [
        (v, now - timedelta(days=first[v].cluster_window_days), cluster.bucket_of(first[v], now),
         [f.household_id for f, _ in screened]) for v, screened in villages if v in first], list(done.signals), save,
        done.writes)
    for village, screened in villages:
        if village in first:
            await _replay(uow, village, screened, standings[village], created, done, now)


async def _replay(uow: UnitOfWork, village: str, screened: list[tuple[HouseholdFacts, Policy | None]], standing,
                  created: set[uuid.UUID], done: Recorded, now: datetime) -> None:
    """One village's checks in the batch's order, from its ``standing`` before the batch."""
    if standing.fired:
        return
    newly = {f.household_id for f, _ in screened if f.household_id in done.households} - set(standing.signalled_before)
    total = standing.total - sum(f.household_id in created for f, _ in screened)
    n = standing.n - len(newly)
    for facts, policy in screened:
        total += facts.household_id in created
        n += facts.household_id in newly
        if facts.household_id in done.households and policy is not None and cluster.crossed(policy, n, total):
            await cluster.fire(uow, policy, now, village, n, total)
            return


async def measure_given(uow: UnitOfWork, facts: HouseholdFacts, data: MeasureGiven, now: datetime) -> None:
    """帮扶措施 the registry recorded: it completes the oldest open planned measure of its type."""
    await case_repo.complete_measure(uow.session, facts.household_id, data.measure_type, data.measure_id, now)


async def moved(uow: UnitOfWork, facts: HouseholdFacts, data: HouseholdUpdated) -> None:
    """The household moved village: its cases follow it."""
    if "village_code" in data.changed:
        await case_repo.move_to_village(uow.session, facts.household_id, facts.village_code)
