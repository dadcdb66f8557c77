"""One function per consumed event type, handed its payload parsed (``backstop_events``): keep the read model,
flag payments to the dead, suggest subsidies."""

from backstop_common.consumer import Handler
from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from backstop_events.monitoring import AssistancePlanned, CaseConfirmed, CaseEvent, CaseReopened, Elimination
from backstop_events.registry import (HelperAssigned, HouseholdEvent, HouseholdRegistered, HouseholdStatusChanged,
                                      HouseholdUpdated, HousingAssessed, MeasureGiven, MemberAdded,
                                      MemberHealthChanged, MemberInsuranceChanged, MemberRemoved,
                                      MemberSchoolingChanged)
from funds.domain import anomalies, readmodel, suggestions
from funds.events import CONSUMED_TYPES
from funds.models import HouseholdFact


async def _refresh_if_monitored(uow: UnitOfWork, household: HouseholdFact, event: Event) -> None:
    if household.monitored:
        await suggestions.refresh(uow, household, event.time)


async def _registry_household(uow: UnitOfWork, data: HouseholdEvent) -> HouseholdFact:
    return await readmodel.touch_household(uow, data.household_id, data.village_code, registry=True)


async def _household_changed(uow: UnitOfWork, household: HouseholdFact, event: Event) -> None:
    await uow.session.flush()
    await anomalies.resolve_arrived(uow, household, event)
    await _refresh_if_monitored(uow, household, event)


async def on_household_registered(event: Event, data: HouseholdRegistered, uow: UnitOfWork) -> None:
    """建档: the household's facts and the members it came with."""
    household = await _registry_household(uow, data)
    readmodel.apply_registered(household, data)
    for listed in data.members:
        member = await readmodel.touch_member(uow, listed.member_id, household.id)
        readmodel.apply_listed_member(member, listed)
    await _household_changed(uow, household, event)


async def on_household_updated(event: Event, data: HouseholdUpdated, uow: UnitOfWork) -> None:
    household = await _registry_household(uow, data)
    readmodel.apply_updated(household, data)
    await _household_changed(uow, household, event)


async def on_status_changed(event: Event, data: HouseholdStatusChanged, uow: UnitOfWork) -> None:
    """Poverty status, 低保, 特困."""
    household = await _registry_household(uow, data)
    readmodel.apply_status(household, data)
    await _household_changed(uow, household, event)


async def on_housing_assessed(event: Event, data: HousingAssessed, uow: UnitOfWork) -> None:
    """住房安全 grade (a D grade makes the household eligible for renovation)."""
    household = await _registry_household(uow, data)
    readmodel.apply_housing(household, data)
    await _household_changed(uow, household, event)


async def on_member_added(event: Event, data: MemberAdded, uow: UnitOfWork) -> None:
    household = await _registry_household(uow, data)
    member = await readmodel.touch_member(uow, data.member_id, household.id)
    member.status = "present"
    await uow.session.flush()
    await anomalies.resolve_arrived(uow, household, event)


async def on_member_removed(event: Event, data: MemberRemoved, uow: UnitOfWork) -> None:
    """member.removed; a death also reviews what was already paid to that member after it."""
    household = await _registry_household(uow, data)
    member = await readmodel.touch_member(uow, data.member_id, household.id)
    readmodel.apply_removed(member, data)
    await uow.session.flush()
    if member.status == "deceased":
        await anomalies.review_payments_after_death(uow, household, member)


async def _member_fact(uow: UnitOfWork, event: Event, data, apply) -> None:
    household = await _registry_household(uow, data)
    member = await readmodel.touch_member(uow, data.member_id, household.id)
    apply(member, data)
    await uow.session.flush()
    await _refresh_if_monitored(uow, household, event)


async def on_health_changed(event: Event, data: MemberHealthChanged, uow: UnitOfWork) -> None:
    """Health and the year's compliant self-paid medical cost (医疗自付)."""
    await _member_fact(uow, event, data, readmodel.apply_health)


async def on_schooling_changed(event: Event, data: MemberSchoolingChanged, uow: UnitOfWork) -> None:
    """School stage and status (雨露计划, 教育资助)."""
    await _member_fact(uow, event, data, readmodel.apply_schooling)


async def on_insurance_changed(event: Event, data: MemberInsuranceChanged, uow: UnitOfWork) -> None:
    """Basic medical insurance (参保)."""
    await _member_fact(uow, event, data, readmodel.apply_insurance)


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
