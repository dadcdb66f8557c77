"""One function per consumed event type, handed its payload parsed (``backstop_events``): keep the read model,
flag payments to the dead, suggest subsidies."""

from collections.abc import Callable
from typing import Any

from backstop_common.consumer import BatchHandler, Handler
from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from backstop_events.monitoring import AssistancePlanned, CaseConfirmed, CaseEvent, CaseReopened, Elimination
from backstop_events.registry import (HelperAssigned, HouseholdEvent, HouseholdRegistered, MeasureGiven, MemberAdded,
                                      MemberRemoved)
from funds.domain import anomalies, readmodel, suggestions
from funds.events import CONSUMED_TYPES
from funds.models import HouseholdFact, MemberFact


async def _refresh_if_monitored(uow: UnitOfWork, household: HouseholdFact, event: Event) -> None:
    if household.monitored:
        await suggestions.refresh(uow, household, event.time)


async def _registry_household(uow: UnitOfWork, data: HouseholdEvent) -> HouseholdFact:
    return await readmodel.touch_household(uow, data.household_id, data.village_code, registry=True)


async def _household_changed(uow: UnitOfWork, household: HouseholdFact, event: Event) -> None:
    await uow.session.flush()
    await anomalies.resolve_arrived(uow, household, event)
    await _refresh_if_monitored(uow, household, event)


def _household_fact(apply: Callable[[HouseholdFact, Any], None], doc: str) -> Handler:
    """The handler of a registry event that sets some of the household's facts: the household, ``apply``, then
    what a changed household implies (anomalies it resolves, subsidies it suggests)."""
    async def handler(event: Event, data: HouseholdEvent, uow: UnitOfWork) -> None:
        household = await _registry_household(uow, data)
        apply(household, data)
        await _household_changed(uow, household, event)

    handler.__doc__ = doc
    return handler


async def on_household_registered(event: Event, data: HouseholdRegistered, uow: UnitOfWork) -> None:
    """建档: the household's facts and the members it came with."""
    await on_households_registered([(event, data)], uow)


async def on_households_registered(items: list[tuple[Event, HouseholdRegistered]], uow: UnitOfWork) -> None:
    """A run of 建档 (the kernel's batch: one event per household): the households, their members and which of
    them have an anomaly to close are read in one query each, as plain records (no ORM objects), the households
    and members written back in one or two statements each; then each as ``_household_changed`` does."""
    households = await readmodel.touch_households(uow, [(d.household_id, d.village_code) for _, d in items],
                                                  registry=True)
    members = await readmodel.touch_members(uow, [(m.member_id, d.household_id) for _, d in items for m in d.members])
    for _, data in items:
        readmodel.apply_registered(households.get(data.household_id), data)
        for listed in data.members:
            readmodel.apply_listed_member(members.get(listed.member_id), listed)
    await readmodel.write(uow, households, members)
    to_resolve = await anomalies.households_to_resolve(uow, [d.household_id for _, d in items])
    for event, data in items:
        household = households.get(data.household_id)
        if household.id in to_resolve:
            await anomalies.resolve_arrived(uow, household, event)
        await _refresh_if_monitored(uow, household, event)


on_household_updated = _household_fact(readmodel.apply_updated, "Main cause and monitoring category.")
on_status_changed = _household_fact(readmodel.apply_status, "Poverty status, 低保, 特困.")
on_housing_assessed = _household_fact(readmodel.apply_housing,
                                      "住房安全 grade (a D grade makes the household eligible for renovation).")


async def on_member_added(event: Event, data: MemberAdded, uow: UnitOfWork) -> None:
    """A member joined, with the facts the registry knows of them (a pupil's schooling: 教育资助)."""
    household = await _registry_household(uow, data)
    member = await readmodel.touch_member(uow, data.member_id, household.id)
    readmodel.apply_added(member, data)
    await _household_changed(uow, household, event)


async def on_member_removed(event: Event, data: MemberRemoved, uow: UnitOfWork) -> None:
    """member.removed; a death also reviews what was already paid to that member after it."""
    household = await _registry_household(uow, data)
    member = await readmodel.touch_member(uow, data.member_id, household.id)
    readmodel.apply_removed(member, data)
    await uow.session.flush()
    if member.status == "deceased":
        await anomalies.review_payments_after_death(uow, household, member)


def _member_fact(apply: Callable[[MemberFact, Any], None], doc: str) -> Handler:
    """The handler of a registry event that sets one member's facts: the household and member, ``apply``, then
    the subsidies a monitored household is suggested."""
    async def handler(event: Event, data, uow: UnitOfWork) -> None:
        household = await _registry_household(uow, data)
        member = await readmodel.touch_member(uow, data.member_id, household.id)
        apply(member, data)
        await uow.session.flush()
        await _refresh_if_monitored(uow, household, event)

    handler.__doc__ = doc
    return handler


on_health_changed = _member_fact(readmodel.apply_health, "Health and the year's compliant self-paid medical cost (医疗自付).")
on_schooling_changed = _member_fact(readmodel.apply_schooling, "School stage and status (雨露计划, 教育资助).")
on_insurance_changed = _member_fact(readmodel.apply_insurance, "Basic medical insurance (参保).")


async def on_helper_assigned(event: Event, data: HelperAssigned, uow: UnitOfWork) -> None:
    """帮扶责任人."""
    household = await _registry_household(uow, data)
    readmodel.add_helper(household, data.helper_id)
    await uow.session.flush()


async def on_measure_given(event: Event, data: MeasureGiven, uow: UnitOfWork) -> None:
    """帮扶措施 the registry recorded."""
    household = await _registry_household(uow, data)
    readmodel.add_measures(household, [data.measure_type])
    await uow.session.flush()


async def _case_household(uow: UnitOfWork, data: CaseEvent) -> HouseholdFact:
    return await readmodel.touch_household(uow, data.household_id, data.village_code, registry=False)


async def on_assistance_planned(event: Event, data: AssistancePlanned, uow: UnitOfWork) -> None:
    """case.assistance_planned: the measures of a monitored household's plan (帮扶措施)."""
    household = await _case_household(uow, data)
    readmodel.add_measures(household, [m.measure_type for m in data.measures])
    await uow.session.flush()


async def on_case_confirmed(event: Event, data: CaseConfirmed, uow: UnitOfWork) -> None:
    """case.confirmed: now a monitored household (监测对象); list what it is eligible for."""
    household = await _case_household(uow, data)
    household.monitored = True
    household.case_id = data.case_id
    household.category = data.category
    household.gaps = list(data.gaps)
    await uow.session.flush()
    await suggestions.refresh(uow, household, event.time)


async def on_case_reopened(event: Event, data: CaseReopened, uow: UnitOfWork) -> None:
    household = await _case_household(uow, data)
    household.monitored = True
    await uow.session.flush()
    await suggestions.refresh(uow, household, event.time)


async def on_risk_eliminated(event: Event, data: Elimination, uow: UnitOfWork) -> None:
    """风险消除: no longer monitored."""
    household = await _case_household(uow, data)
    household.monitored = False
    await uow.session.flush()


_BY_NAME: dict[str, Handler] = {
    "household.registered": on_household_registered, "household.updated": on_household_updated,
    "household.status_changed": on_status_changed, "household.housing_assessed": on_housing_assessed,
    "member.added": on_member_added, "member.removed": on_member_removed,
    "member.health_changed": on_health_changed, "member.schooling_changed": on_schooling_changed,
    "member.insurance_changed": on_insurance_changed, "household.helper_assigned": on_helper_assigned,
    "household.measure_given": on_measure_given, "case.confirmed": on_case_confirmed,
    "case.assistance_planned": on_assistance_planned, "case.reopened": on_case_reopened,
    "case.risk_eliminated": on_risk_eliminated,
}
HANDLERS: dict[str, Handler] = {CONSUMED_TYPES[name]: handler for name, handler in _BY_NAME.items()}
#: a run of registrations (a bulk import) applied by the set (consumer.py ``batch_handlers``)
BATCH_HANDLERS: dict[str, BatchHandler] = {CONSUMED_TYPES["household.registered"]: on_households_registered}
