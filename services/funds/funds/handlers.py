"""One function per consumed event type, handed its payload parsed (``backstop_events``): keep the read model,
flag payments to the dead, suggest subsidies.

Each type has a batch twin (consumer.py ``batch_handlers``: a run of the type's events, one per household) and
the per-event handler is the twin on a run of one: a run's households and members are read as plain records in
one statement each, changed by ``domain/readmodel``'s functions, written back in one or two statements each
(``repository.readmodel.Rows``); then what each changed household implies, in the run's order."""

from collections.abc import Awaitable, Callable
from typing import Any

from backstop_common.consumer import BatchHandler, Handler
from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from backstop_events.monitoring import AssistancePlanned, CaseConfirmed, CaseReopened, Elimination
from backstop_events.registry import HelperAssigned, MeasureGiven, MemberAdded, MemberRemoved
from funds.domain import anomalies, readmodel, suggestions
from funds.events import CONSUMED_TYPES, RegisteredHousehold

Run = list[tuple[Event, Any]]
Rows = readmodel.Rows


async def _refresh_if_monitored(uow: UnitOfWork, household, event: Event) -> None:
    if household.monitored:
        await suggestions.refresh(uow, household, event.time)


async def _households(uow: UnitOfWork, run: Run, *, registry: bool) -> Rows:
    """The run's households (created on first sight; ``registry``: its events mark them known to the registry)."""
    return await readmodel.touch_households(uow, [(d.household_id, d.village_code) for _, d in run],
                                            registry=registry)


async def _members(uow: UnitOfWork, run: Run) -> Rows:
    return await readmodel.touch_members(uow, [(d.member_id, d.household_id) for _, d in run])


async def _households_changed(uow: UnitOfWork, households: Rows, run: Run) -> None:
    """What a changed household implies, each in the run's order: the unknown-beneficiary anomalies its arrival
    closes (which households have one: one query), the subsidies a monitored one is suggested."""
    to_resolve = await anomalies.households_to_resolve(uow, [d.household_id for _, d in run])
    for event, data in run:
        household = households.get(data.household_id)
        if to_resolve and household.id in to_resolve:
            await anomalies.resolve_arrived(uow, household, event)
        await _refresh_if_monitored(uow, household, event)


def _twins(handle_many: Callable[[Run, UnitOfWork], Awaitable[None]], doc: str) -> tuple[Handler, BatchHandler]:
    """The per-event handler (the batch twin on a run of one) and the batch twin, both with ``doc``."""
    async def handle(event: Event, data: Any, uow: UnitOfWork) -> None:
        await handle_many([(event, data)], uow)

    handle.__doc__ = handle_many.__doc__ = doc
    return handle, handle_many


async def _registered(run: list[tuple[Event, RegisteredHousehold]], uow: UnitOfWork) -> None:
    households = await _households(uow, run, registry=True)
    members = await readmodel.touch_members(uow, [(m.member_id, d.household_id) for _, d in run for m in d.members])
    for _, data in run:
        readmodel.apply_registered(households.get(data.household_id), data)
        for listed in data.members:
            readmodel.apply_listed_member(members.get(listed.member_id), listed)
    await readmodel.write(uow, households, members)
    await _households_changed(uow, households, run)


on_household_registered, on_households_registered = _twins(
    _registered, "建档: the household's facts and the members it came with (an import's run by the set).")


def _household_fact(apply: Callable[[Any, Any], None], doc: str) -> tuple[Handler, BatchHandler]:
    """The handlers of a registry event that sets some of the household's facts: the households, ``apply``, then
    what a changed household implies."""
    async def handle_many(run: Run, uow: UnitOfWork) -> None:
        households = await _households(uow, run, registry=True)
        for _, data in run:
            apply(households.get(data.household_id), data)
        await readmodel.write(uow, households)
        await _households_changed(uow, households, run)

    return _twins(handle_many, doc)


on_household_updated, on_households_updated = _household_fact(
    readmodel.apply_updated, "Main cause and monitoring category.")
on_status_changed, on_statuses_changed = _household_fact(readmodel.apply_status, "Poverty status, 低保, 特困.")
on_housing_assessed, on_housings_assessed = _household_fact(
    readmodel.apply_housing, "住房安全 grade (a D grade makes the household eligible for renovation).")


async def _members_added(run: list[tuple[Event, MemberAdded]], uow: UnitOfWork) -> None:
    households, members = await _households(uow, run, registry=True), await _members(uow, run)
    for _, data in run:
        readmodel.apply_added(members.get(data.member_id), data)
    await readmodel.write(uow, households, members)
    await _households_changed(uow, households, run)


on_member_added, on_members_added = _twins(
    _members_added, "A member joined, with the facts the registry knows of them (a pupil's schooling: 教育资助).")


async def _members_removed(run: list[tuple[Event, MemberRemoved]], uow: UnitOfWork) -> None:
    households, members = await _households(uow, run, registry=True), await _members(uow, run)
    for _, data in run:
        readmodel.apply_removed(members.get(data.member_id), data)
    await readmodel.write(uow, households, members)
    for _, data in run:
        member = members.get(data.member_id)
        if member.status == "deceased":
            await anomalies.review_payments_after_death(uow, households.get(data.household_id), member)


on_member_removed, on_members_removed = _twins(
    _members_removed, "member.removed; a death also reviews what was already paid to that member after it.")


def _member_fact(apply: Callable[[Any, Any], None], doc: str) -> tuple[Handler, BatchHandler]:
    """The handlers of a registry event that sets one member's facts: the households and members, ``apply``,
    then the subsidies a monitored household is suggested."""
    async def handle_many(run: Run, uow: UnitOfWork) -> None:
        households, members = await _households(uow, run, registry=True), await _members(uow, run)
        for _, data in run:
            apply(members.get(data.member_id), data)
        await readmodel.write(uow, households, members)
        for event, data in run:
            await _refresh_if_monitored(uow, households.get(data.household_id), event)

    return _twins(handle_many, doc)


on_health_changed, on_healths_changed = _member_fact(
    readmodel.apply_health, "Health and the year's compliant self-paid medical cost (医疗自付).")
on_schooling_changed, on_schoolings_changed = _member_fact(
    readmodel.apply_schooling, "School stage and status (雨露计划, 教育资助).")
on_insurance_changed, on_insurances_changed = _member_fact(
    readmodel.apply_insurance, "Basic medical insurance (参保).")


def _household_record(apply: Callable[[Any, Any], None], doc: str, *, registry: bool = True,
                      refresh: bool = False) -> tuple[Handler, BatchHandler]:
    """The handlers of an event that only records something on the household (``registry``: a registry event);
    ``refresh``: then list what a monitored household is eligible for."""
    async def handle_many(run: Run, uow: UnitOfWork) -> None:
        households = await _households(uow, run, registry=registry)
        for _, data in run:
            apply(households.get(data.household_id), data)
        await readmodel.write(uow, households)
        if refresh:
            for event, data in run:
                await _refresh_if_monitored(uow, households.get(data.household_id), event)

    return _twins(handle_many, doc)


def _helper(household, data: HelperAssigned) -> None:
    readmodel.add_helper(household, data.helper_id)


def _measure(household, data: MeasureGiven) -> None:
    readmodel.add_measures(household, [data.measure_type])


def _planned(household, data: AssistancePlanned) -> None:
    readmodel.add_measures(household, [m.measure_type for m in data.measures])


def _confirmed(household, data: CaseConfirmed) -> None:
    household.monitored, household.case_id = True, data.case_id
    household.category, household.gaps = data.category, list(data.gaps)


def _reopened(household, data: CaseReopened) -> None:
    household.monitored = True


def _eliminated(household, data: Elimination) -> None:
    household.monitored = False


on_helper_assigned, on_helpers_assigned = _household_record(_helper, "帮扶责任人.")
on_measure_given, on_measures_given = _household_record(_measure, "帮扶措施 the registry recorded.")
on_assistance_planned, on_assistances_planned = _household_record(
    _planned, "case.assistance_planned: the measures of a monitored household's plan (帮扶措施).", registry=False)
on_case_confirmed, on_cases_confirmed = _household_record(
    _confirmed, "case.confirmed: now a monitored household (监测对象); list what it is eligible for.",
    registry=False, refresh=True)
on_case_reopened, on_cases_reopened = _household_record(
    _reopened, "case.reopened: monitored again; list what it is eligible for.", registry=False, refresh=True)
on_risk_eliminated, on_risks_eliminated = _household_record(
    _eliminated, "风险消除: no longer monitored.", registry=False)

_BY_NAME: dict[str, tuple[Handler, BatchHandler]] = {
    "household.registered": (on_household_registered, on_households_registered),
    "household.updated": (on_household_updated, on_households_updated),
    "household.status_changed": (on_status_changed, on_statuses_changed),
    "household.housing_assessed": (on_housing_assessed, on_housings_assessed),
    "member.added": (on_member_added, on_members_added), "member.removed": (on_member_removed, on_members_removed),
    "member.health_changed": (on_health_changed, on_healths_changed),
    "member.schooling_changed": (on_schooling_changed, on_schoolings_changed),
    "member.insurance_changed": (on_insurance_changed, on_insurances_changed),
    "household.helper_assigned": (on_helper_assigned, on_helpers_assigned),
    "household.measure_given": (on_measure_given, on_measures_given),
    "case.confirmed": (on_case_confirmed, on_cases_confirmed),
    "case.assistance_planned": (on_assistance_planned, on_assistances_planned),
    "case.reopened": (on_case_reopened, on_cases_reopened),
    "case.risk_eliminated": (on_risk_eliminated, on_risks_eliminated),
}
HANDLERS: dict[str, Handler] = {CONSUMED_TYPES[name]: one for name, (one, _) in _BY_NAME.items()}
#: every type's run applied by the set (consumer.py ``batch_handlers``): an import's registrations, a department
#: feed's health or schooling changes
BATCH_HANDLERS: dict[str, BatchHandler] = {CONSUMED_TYPES[name]: many for name, (_, many) in _BY_NAME.items()}
