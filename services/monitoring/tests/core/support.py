"""Helpers of the monitoring tests: registry events as docs/events.md lists them, and a feeder."""

import contextlib
import uuid
from decimal import Decimal

from sqlalchemy import delete, func, select

from backstop_common.messaging_models import OutboxMessage
from backstop_common.testing import eventually, make_event, publish_events
from backstop_common.topics import REGISTRY_HOUSEHOLD
from backstop_events import registry as registry_events
from monitoring.domain.policy import effective_policy, scope_of
from monitoring.models import Case, HouseholdFacts, Policy


def registry_event(name: str, household_id, village: str, **data):
    """A ``registry.household`` event as the registry publishes it: its data built with the event's model
    (``backstop_events.registry``, the one monitoring's consumer parses it with)."""
    model = registry_events.catalog.entry(name).model
    payload = model(household_id=household_id, village_code=village, **data).model_dump(mode="json")
    return make_event("registry", name, household_id, payload, area_code=village)


def registered(household_id, village: str, **over):
    data = dict(poverty_status="lifted", year_lifted=2019, dibao=False, tekun=False, size=3,
                labour_capable_members=2, per_capita_income=None, housing_grade="A", safe_water=True,
                uninsured_members=0, dropout_members=0, tags=[], main_cause=None, helper_user_ids=[])
    data.update(over)
    return registry_event("household.registered", household_id, village, **data)


def income(household_id, village: str, per_capita: str, year: int = 2021, previous: str | None = None, **over):
    data = dict(assessment_id=str(uuid.uuid4()), year=year, wage=per_capita, business="0.00",
                business_costs="0.00", property="0.00", transfer="0.00", net_income=per_capita, size=1,
                per_capita_income=per_capita, previous_per_capita_income=previous,
                previous_year=year - 1 if previous else None)
    data.update(over)
    return registry_event("household.income_assessed", household_id, village, **data)


class Feed:
    """Publishes registry events on the real topic and waits until the app's consumer applied them."""

    def __init__(self, app, settings):
        self.app, self.settings = app, settings

    async def __call__(self, *events) -> None:
        await publish_events(self.settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, list(events))
        for event in {e.subject: e for e in events}.values():
            await self.settle(event.subject, event.area_code)

    async def settle(self, household_id, village: str) -> None:
        """Publish a marker behind everything already sent for the household (same key, same
        partition) and wait for it: every earlier event of that household has then been applied."""
        marker = f"marker-{uuid.uuid4()}"
        await publish_events(self.settings.kafka_bootstrap_servers, REGISTRY_HOUSEHOLD, [registry_event(
            "household.helper_assigned", household_id, village, helper_id=str(uuid.uuid4()),
            helper_user_id=marker, unit="test")])

        async def applied():
            async with self.app.state.sessions() as session:
                facts = await session.get(HouseholdFacts, uuid.UUID(str(household_id)), populate_existing=True)
                return facts is not None and marker in facts.helper_user_ids
        assert await eventually(applied, timeout=20)


async def cases_of(app, household_id) -> list[Case]:
    async with app.state.sessions() as session:
        rows = await session.execute(select(Case).where(Case.household_id == household_id))
        return list(rows.scalars())


async def outbox_count(app, type_suffix: str, subject) -> int:
    async with app.state.sessions() as session:
        return (await session.execute(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.type == f"backstop.monitoring.{type_suffix}.v1",
            OutboxMessage.subject == str(subject)))).scalar_one()


async def wait_for_case(app, household_id) -> Case:
    async def one():
        found = await cases_of(app, household_id)
        return found[0] if found else None
    case = await eventually(one, timeout=20)
    assert case is not None, "no case was opened"
    return case


@contextlib.asynccontextmanager
async def village_line(app, village: str, income_line: str, year: int = 2021):
    """The village's own policy row — the one in force for it with another income line — added without a
    re-screen (as a migration or a console might), and removed afterwards."""
    async with app.state.sessions() as session:
        county = await effective_policy(session, village, year)
        values = {c.name: getattr(county, c.name) for c in Policy.__table__.columns}
        session.add(Policy(**values | {"year": year, "area_code": village, "scope": scope_of(village),
                                       "income_line": Decimal(income_line)}))
        await session.commit()
    try:
        yield
    finally:
        async with app.state.sessions() as session:
            await session.execute(delete(Policy).where(Policy.area_code == village))
            await session.commit()
