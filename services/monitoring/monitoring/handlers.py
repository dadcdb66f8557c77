"""One function per consumed event type, handed its payload parsed (``backstop_events.registry``); the
consumer runs each in a transaction with its inbox row.

Each updates the read model with its own change, then runs its own rule (``domain/intake.screen``):
redelivery is the inbox's business, the same fact in two events is the signals' dedupe key's.
"""

from backstop_common.consumer import Handler
from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from backstop_events.registry import (DisasterReported, HelperAssigned, HouseholdIncomeAssessed,
                                      HouseholdRegistered, HouseholdStatusChanged, HouseholdUpdated,
                                      HousingAssessed, MeasureGiven, MemberAdded, MemberEmploymentChanged,
                                      MemberHealthChanged, MemberInsuranceChanged, MemberPensionChanged,
                                      MemberRemoved, MemberSchoolingChanged, WaterAssessed)
from monitoring.domain import imported, intake, readmodel, rules
from monitoring.events import CONSUMED_TYPES


async def on_household_registered(event: Event, data: HouseholdRegistered, uow: UnitOfWork) -> None:
    """建档: the facts; a household the national system monitors arrives as its case; income and gaps."""
    now = uow.clock.now()
    facts = await readmodel.registered(uow.session, data, now)
    await imported.arrive(uow, facts, data, now)
    await intake.screen(uow, facts, lambda policy: rules.registered(data, facts, policy), now, income=True)


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


async def on_income_assessed(event: Event, data: HouseholdIncomeAssessed, uow: UnitOfWork) -> None:
    """A year's income (收入): below the line or dropped sharply."""
    now = uow.clock.now()
    facts = await readmodel.apply(uow.session, data, readmodel.income_assessed, now)
    await intake.screen(uow, facts, lambda policy: rules.income_assessed(data, facts, policy), now, income=True)


async def on_helper_assigned(event: Event, data: HelperAssigned, uow: UnitOfWork) -> None:
    """帮扶责任人: who is told of the household's signals."""
    now = uow.clock.now()
    facts = await readmodel.apply(uow.session, data, readmodel.helper_assigned, now)
    await intake.screen(uow, facts, lambda policy: [], now)


async def on_member_added(event: Event, data: MemberAdded, uow: UnitOfWork) -> None:
    now = uow.clock.now()
    facts = await readmodel.apply(uow.session, data, readmodel.member_added, now)
    await intake.screen(uow, facts, lambda policy: [], now)


async def on_member_removed(event: Event, data: MemberRemoved, uow: UnitOfWork) -> None:
    now = uow.clock.now()
    facts = await readmodel.apply(uow.session, data, readmodel.member_removed, now)
    await intake.screen(uow, facts, lambda policy: [], now)


async def on_health_changed(event: Event, data: MemberHealthChanged, uow: UnitOfWork) -> None:
    """大病, disability, a year's self-paid medical cost (因病)."""
    now = uow.clock.now()
    facts = await readmodel.health_changed(uow.session, data, now)
    await intake.screen(uow, facts, lambda policy: rules.health(data, facts, policy), now)


async def on_schooling_changed(event: Event, data: MemberSchoolingChanged, uow: UnitOfWork) -> None:
    """A pupil dropped out (辍学)."""
    now = uow.clock.now()
    facts = await readmodel.apply(uow.session, data, readmodel.schooling_changed, now)
    await intake.screen(uow, facts, lambda policy: rules.schooling(data, facts, policy), now)


async def on_employment_changed(event: Event, data: MemberEmploymentChanged, uow: UnitOfWork) -> None:
    """A job lost (失业)."""
    now = uow.clock.now()
    facts = await readmodel.apply(uow.session, data, readmodel.employment_changed, now)
    await intake.screen(uow, facts, lambda policy: rules.employment(data, facts, policy), now)


async def on_pension_changed(event: Event, data: MemberPensionChanged, uow: UnitOfWork) -> None:
    """基本养老保险: a pension no longer drawn (人社 feed, seed 004)."""
    now = uow.clock.now()
    facts = await readmodel.apply(uow.session, data, readmodel.pension_changed, now)
    await intake.screen(uow, facts, lambda policy: rules.pension(data, facts, policy), now)


async def on_insurance_changed(event: Event, data: MemberInsuranceChanged, uow: UnitOfWork) -> None:
    """Basic medical insurance lapsed (未参保)."""
    now = uow.clock.now()
    facts = await readmodel.apply(uow.session, data, readmodel.insurance_changed, now)
    await intake.screen(uow, facts, lambda policy: rules.insurance(data, facts, policy), now)


async def on_housing_assessed(event: Event, data: HousingAssessed, uow: UnitOfWork) -> None:
    """住房安全: a C or D grade."""
    now = uow.clock.now()
    facts = await readmodel.apply(uow.session, data, readmodel.housing_assessed, now)
    await intake.screen(uow, facts, lambda policy: rules.housing(data, facts, policy), now)


async def on_water_assessed(event: Event, data: WaterAssessed, uow: UnitOfWork) -> None:
    """饮水安全."""
    now = uow.clock.now()
    facts = await readmodel.apply(uow.session, data, readmodel.water_assessed, now)
    await intake.screen(uow, facts, lambda policy: rules.water(data, facts, policy), now)


async def on_disaster_reported(event: Event, data: DisasterReported, uow: UnitOfWork) -> None:
    """A disaster's loss over the policy's threshold (因灾)."""
    now = uow.clock.now()
    facts = await readmodel.apply(uow.session, data, readmodel.disaster_reported, now)
    await intake.screen(uow, facts, lambda policy: rules.disaster(data, facts, policy), now)


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
