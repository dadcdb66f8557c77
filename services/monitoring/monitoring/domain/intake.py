"""A registry event arrives: update the read model, run the rules, record signals, check the cluster."""

import uuid
from datetime import datetime

import structlog

from backstop_common.uow import UnitOfWork
from monitoring.domain import cluster, dibao, imported, readmodel, rules
from monitoring.domain.policy import effective_policy
from monitoring.domain.signals import record_signal
from monitoring.models import HouseholdFacts, Policy
from monitoring.repository import cases as case_repo
from monitoring.repository import households
from monitoring.vocab import Source

log = structlog.get_logger()
INCOME_EVENTS = ("household.registered", "household.income_assessed")


def _track_income_stability(facts: HouseholdFacts, policy: Policy | None, now: datetime) -> None:
    if facts.per_capita_income is None or policy is None:
        return
    if facts.per_capita_income >= policy.income_line:
        facts.income_above_since = facts.income_above_since or now
    else:
        facts.income_above_since = None


async def _on_dibao(uow: UnitOfWork, name: str, data: dict) -> bool:
    """Whether the household was on 低保 before a status change (the event carries no previous value)."""
    if name != "household.status_changed":
        return False
    facts = await households.get(uow.session, uuid.UUID(str(data["household_id"])))
    return bool(facts and facts.dibao)


async def on_registry_event(uow: UnitOfWork, name: str, data: dict, now: datetime) -> int:
    """Returns how many new signals the event produced."""
    was_on_dibao = await _on_dibao(uow, name, data)
    facts = await readmodel.apply(uow.session, name, data, now)
    if name == "household.measure_given":
        measure_id = data.get("measure_id")
        await case_repo.complete_measure(uow.session, facts.household_id, data.get("measure_type", ""),
                                         uuid.UUID(str(measure_id)) if measure_id else None, now)
        return 0
    if name == "household.updated" and "village_code" in data.get("changed", []):
        await case_repo.move_to_village(uow.session, facts.household_id, facts.village_code)
    if name == "household.registered":
        await imported.arrive(uow, facts, data, now)
    year = facts.income_year if name in INCOME_EVENTS and facts.income_year else now.year
    policy = await effective_policy(uow.session, facts.village_code, year)
    if name in INCOME_EVENTS:
        _track_income_stability(facts, policy, now)
    if policy is None:
        log.warning("monitoring.no_policy", village_code=facts.village_code, year=year)
    drafts = rules.evaluate(name, data, facts, policy)
    if name in INCOME_EVENTS:
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
