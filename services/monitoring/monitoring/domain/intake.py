"""After a registry event updated the read model (handlers.py, one per event type): run its rule, record
signals, check the cluster."""

import uuid
from collections.abc import Callable
from datetime import datetime

import structlog

from backstop_common.uow import UnitOfWork
from backstop_events.registry import HouseholdUpdated, MeasureGiven
from monitoring.domain import cluster, dibao
from monitoring.domain.policy import effective_policy
from monitoring.domain.rules import Draft
from monitoring.domain.signals import record_signal
from monitoring.models import HouseholdFacts, Policy
from monitoring.repository import cases as case_repo
from monitoring.repository import households
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
    policy = await effective_policy(uow.session, facts.village_code, year)
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


async def measure_given(uow: UnitOfWork, facts: HouseholdFacts, data: MeasureGiven, now: datetime) -> None:
    """帮扶措施 the registry recorded: it completes the oldest open planned measure of its type."""
    await case_repo.complete_measure(uow.session, facts.household_id, data.measure_type, data.measure_id, now)


async def moved(uow: UnitOfWork, facts: HouseholdFacts, data: HouseholdUpdated) -> None:
    """The household moved village: its cases follow it."""
    if "village_code" in data.changed:
        await case_repo.move_to_village(uow.session, facts.household_id, facts.village_code)
