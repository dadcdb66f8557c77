"""One function per consumed event type, handed its payload parsed (``backstop_events.registry``); the
consumer runs each in a transaction with its inbox row.

Each updates the read model with its own change, then runs its own rule (``domain/intake.screen``):
redelivery is the inbox's business, the same fact in two events is the signals' dedupe key's. Most have a
batch twin (``BATCH_HANDLERS``) the consumer hands a fetched run of that type, one event per household, to
apply by the set (``readmodel.apply_many``, then ``intake.screen_many``, which writes the rows back: they are
plain until then) with the same effects (the consumer pauses Python's cyclic collector for the fetch: a batch's
thousands of small acyclic objects set it walking the heap, ``consumer.collector_paused``).
"""

from collections.abc import Callable
from functools import partial

from backstop_common.consumer import BatchHandler, Handler
from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from backstop_events.registry import (
    HouseholdEvent,
    HouseholdRegistered,
    HouseholdStatusChanged,
    HouseholdUpdated,
    MeasureGiven,
    MemberHealthChanged,
)

from monitoring.domain import imported, intake, readmodel, rules
from monitoring.events import CONSUMED_TYPES


async def on_household_registered(event: Event, data: HouseholdRegistered, uow: UnitOfWork) -> None:
    """建档: the facts; a household the national system monitors arrives as its case; income and gaps."""
    now = uow.clock.now()
    facts = await readmodel.registered(uow.session, data, now)
    await imported.arrive(uow, facts, data, now)
    await intake.screen(uow, facts, lambda policy: rules.registered(data, facts, policy), now, income=True)


async def on_households_registered(events: list[tuple[Event, HouseholdRegistered]], uow: UnitOfWork) -> None:
    """建档 of many (an import): the same, by the set — one read and one write per table for the batch."""
    now = uow.clock.now()
    batch = [data for _, data in events]
    facts, created = await readmodel.registered_many(uow.session, batch, now)
    for f, data in zip(facts, batch, strict=True):
        if data.monitoring_category:  # only the national system's 监测对象 look for a case of their own
            await imported.arrive(uow, f, data, now)
    await intake.screen_many(uow, [(f, partial(rules.registered, d, f)) for d, f in zip(batch, facts, strict=True)],
                             now, created, income=True, save=facts)


async def on_household_updated(event: Event, data: HouseholdUpdated, uow: UnitOfWork) -> None:
    """Non-personal fields changed (a village, 不愁吃/不愁穿…)."""
    now = uow.clock.now()
    facts = await readmodel.apply(uow.session, data, readmodel.updated, now)
    await intake.moved(uow, facts, data)
    await intake.screen(uow, facts, lambda policy: rules.updated(data, facts, policy), now)


async def on_status_changed(event: Event, data: HouseholdStatusChanged, uow: UnitOfWork) -> None:
    """Poverty status, 低保, 特困: a 低保 that ended before its phase-out is looked at (domain/dibao.py)."""
    now = uow.clock.now()
    was_on_dibao = await intake.on_dibao(uow, data.household_id)
    facts = await readmodel.apply(uow.session, data, readmodel.status_changed, now)
    await intake.screen(uow, facts, lambda policy: [], now, was_on_dibao=was_on_dibao)


async def on_health_changed(event: Event, data: MemberHealthChanged, uow: UnitOfWork) -> None:
    """大病, disability, a year's self-paid medical cost (因病)."""
    now = uow.clock.now()
    facts = await readmodel.health_changed(uow.session, data, now)
    await intake.screen(uow, facts, lambda policy: rules.health(data, facts, policy), now)


def _screening(change: readmodel.Change, rule: Callable | None = None, *, income: bool = False,
               doc: str = "") -> tuple[Handler, BatchHandler]:
    """The handler of a type whose event changes the read model (``change``) and is screened by its own rule
    (``rules.<x>``; none: the policy's follow-up only), and its batch twin doing the same for a run of them."""
    def bound(data, facts) -> intake.Rule:
        return (lambda policy: rule(data, facts, policy)) if rule else (lambda policy: [])

    async def handle(event: Event, data: HouseholdEvent, uow: UnitOfWork) -> None:
        now = uow.clock.now()
        facts = await readmodel.apply(uow.session, data, change, now)
        await intake.screen(uow, facts, bound(data, facts), now, income=income)

    async def handle_many(events: list[tuple[Event, HouseholdEvent]], uow: UnitOfWork) -> None:
        now = uow.clock.now()
        batch = [data for _, data in events]
        facts, created = await readmodel.apply_many(uow.session, batch, change, now)
        await intake.screen_many(uow, [(f, bound(d, f)) for d, f in zip(batch, facts, strict=True)], now,
                                 created, income=income, save=facts)

    handle.__doc__ = handle_many.__doc__ = doc
    return handle, handle_many


on_income_assessed, on_incomes_assessed = _screening(
    readmodel.income_assessed, rules.income_assessed, income=True,
    doc="A year's income (收入): below the line or dropped sharply.")
on_helper_assigned, on_helpers_assigned = _screening(
    readmodel.helper_assigned, doc="帮扶责任人: who is told of the household's signals.")
on_member_added, on_members_added = _screening(readmodel.member_added, rules.member_added,
                                               doc="A member joined: the size after it; out of school or uninsured.")
on_member_removed, on_members_removed = _screening(readmodel.member_removed,
                                                   doc="A member left: the size, and the member's counts.")
on_schooling_changed, on_schoolings_changed = _screening(readmodel.schooling_changed, rules.schooling,
                                                         doc="A pupil dropped out (辍学).")
on_employment_changed, on_employments_changed = _screening(readmodel.employment_changed, rules.employment,
                                                           doc="A job lost (失业).")
on_pension_changed, on_pensions_changed = _screening(
    readmodel.pension_changed, rules.pension, doc="基本养老保险: a pension no longer drawn (人社 feed, seed 004).")
on_insurance_changed, on_insurances_changed = _screening(readmodel.insurance_changed, rules.insurance,
                                                         doc="Basic medical insurance lapsed (未参保).")
on_housing_assessed, on_housings_assessed = _screening(readmodel.housing_assessed, rules.housing,
                                                       doc="住房安全: a C or D grade.")
on_water_assessed, on_waters_assessed = _screening(readmodel.water_assessed, rules.water, doc="饮水安全.")
on_disaster_reported, on_disasters_reported = _screening(
    readmodel.disaster_reported, rules.disaster, doc="A disaster's loss over the policy's threshold (因灾).")


async def on_measure_given(event: Event, data: MeasureGiven, uow: UnitOfWork) -> None:
    """帮扶措施 given: remembered, and the plan's matching measure completed (no rule reads it)."""
    now = uow.clock.now()
    facts = await readmodel.apply(uow.session, data, readmodel.measure_given, now)
    await intake.measure_given(uow, facts, data, now)


_BY_NAME: dict[str, Handler] = {
    "household.registered": on_household_registered, "household.updated": on_household_updated,
    "household.status_changed": on_status_changed, "household.income_assessed": on_income_assessed,
    "household.helper_assigned": on_helper_assigned, "member.added": on_member_added,
    "member.removed": on_member_removed, "member.health_changed": on_health_changed,
    "member.schooling_changed": on_schooling_changed, "member.employment_changed": on_employment_changed,
    "member.insurance_changed": on_insurance_changed, "member.pension_changed": on_pension_changed, "household.housing_assessed": on_housing_assessed,
    "household.water_assessed": on_water_assessed, "household.disaster_reported": on_disaster_reported,
    "household.measure_given": on_measure_given,
}
HANDLERS: dict[str, Handler] = {CONSUMED_TYPES[name]: handler for name, handler in _BY_NAME.items()}
#: the types a bulk import or feed brings in runs, applied by the set (consumer.py); each has its per-event twin
#: above, the fallback when a batch fails
_BATCH_BY_NAME: dict[str, BatchHandler] = {
    "household.registered": on_households_registered, "household.income_assessed": on_incomes_assessed,
    "household.helper_assigned": on_helpers_assigned, "member.added": on_members_added,
    "member.removed": on_members_removed, "member.schooling_changed": on_schoolings_changed,
    "member.employment_changed": on_employments_changed, "member.insurance_changed": on_insurances_changed,
    "member.pension_changed": on_pensions_changed, "household.housing_assessed": on_housings_assessed,
    "household.water_assessed": on_waters_assessed, "household.disaster_reported": on_disasters_reported,
}
BATCH_HANDLERS: dict[str, BatchHandler] = {CONSUMED_TYPES[name]: h for name, h in _BATCH_BY_NAME.items()}
