"""One function per consumed event: keep the read model, flag payments to the dead, suggest subsidies."""

import uuid

from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from funds.domain import anomalies, readmodel, suggestions
from funds.events import monitoring_type, registry_type


async def _refresh_if_monitored(uow: UnitOfWork, household, event: Event) -> None:
    if household.monitored:
        await suggestions.refresh(uow, household, event.time)


async def on_household(event: Event, uow: UnitOfWork) -> None:
    """household.registered / updated / status_changed / housing_assessed."""
    household = await readmodel.touch_household(uow.session, event.data, registry=True)
    readmodel.apply_household_fields(household, event.data)
    for listed in event.data.get("members") or ():  # household.registered lists the members it came with
        member = await readmodel.touch_member(uow.session, {**listed, "household_id": household.id})
        readmodel.apply_listed_member(member, listed)
    await uow.session.flush()
    await anomalies.resolve_arrived(uow, household, event)
    await _refresh_if_monitored(uow, household, event)


async def on_member_added(event: Event, uow: UnitOfWork) -> None:
    household = await readmodel.touch_household(uow.session, event.data, registry=True)
    member = await readmodel.touch_member(uow.session, event.data)
    member.status = "present"
    await uow.session.flush()
    await anomalies.resolve_arrived(uow, household, event)


async def on_member_removed(event: Event, uow: UnitOfWork) -> None:
    """member.removed; a death also reviews what was already paid to that member after it."""
    household = await readmodel.touch_household(uow.session, event.data, registry=True)
    member = await readmodel.touch_member(uow.session, event.data)
    readmodel.apply_removed(member, event.data)
    await uow.session.flush()
    if member.status == "deceased":
        await anomalies.review_payments_after_death(uow, household, member)


async def on_member_fact(event: Event, uow: UnitOfWork) -> None:
    """member.health_changed / member.schooling_changed / member.insurance_changed."""
    household = await readmodel.touch_household(uow.session, event.data, registry=True)
    member = await readmodel.touch_member(uow.session, event.data)
    MEMBER_FACTS[event.name](member, event.data)
    await uow.session.flush()
    await _refresh_if_monitored(uow, household, event)


MEMBER_FACTS = {"member.health_changed": readmodel.apply_health,
                "member.schooling_changed": readmodel.apply_schooling,
                "member.insurance_changed": readmodel.apply_insurance}


async def on_support(event: Event, uow: UnitOfWork) -> None:
    """household.helper_assigned (帮扶责任人) / household.measure_given (帮扶措施)."""
    household = await readmodel.touch_household(uow.session, event.data, registry=True)
    if event.name == "household.helper_assigned":
        readmodel.add_helper(household, event.data)
    else:
        readmodel.add_measures(household, [event.data["measure_type"]])
    await uow.session.flush()


async def on_assistance_planned(event: Event, uow: UnitOfWork) -> None:
    """case.assistance_planned: the measures of a monitored household's plan (帮扶措施)."""
    household = await readmodel.touch_household(uow.session, event.data, registry=False)
    readmodel.add_measures(household, [m["measure_type"] for m in event.data.get("measures") or ()])
    await uow.session.flush()


async def on_case_confirmed(event: Event, uow: UnitOfWork) -> None:
    """case.confirmed: now a monitored household (监测对象); list what it is eligible for."""
    household = await readmodel.touch_household(uow.session, event.data, registry=False)
    household.monitored = True
    household.case_id = uuid.UUID(str(event.data["case_id"])) if event.data.get("case_id") else None
    household.category = event.data.get("category")
    household.gaps = list(event.data.get("gaps") or [])
    await uow.session.flush()
    await suggestions.refresh(uow, household, event.time)


async def on_case_reopened(event: Event, uow: UnitOfWork) -> None:
    household = await readmodel.touch_household(uow.session, event.data, registry=False)
    household.monitored = True
    await uow.session.flush()
    await suggestions.refresh(uow, household, event.time)


async def on_case_eliminated(event: Event, uow: UnitOfWork) -> None:
    household = await readmodel.touch_household(uow.session, event.data, registry=False)
    household.monitored = False
    await uow.session.flush()


HANDLERS = {
    registry_type("household.registered"): on_household,
    registry_type("household.updated"): on_household,
    registry_type("household.status_changed"): on_household,
    registry_type("household.housing_assessed"): on_household,
    registry_type("member.added"): on_member_added,
    registry_type("member.removed"): on_member_removed,
    registry_type("member.health_changed"): on_member_fact,
    registry_type("member.schooling_changed"): on_member_fact,
    registry_type("member.insurance_changed"): on_member_fact,
    registry_type("household.helper_assigned"): on_support,
    registry_type("household.measure_given"): on_support,
    monitoring_type("case.confirmed"): on_case_confirmed,
    monitoring_type("case.assistance_planned"): on_assistance_planned,
    monitoring_type("case.reopened"): on_case_reopened,
    monitoring_type("case.risk_eliminated"): on_case_eliminated,
}
