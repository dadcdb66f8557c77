"""Exactly once below the inbox: the (event, recipient) key and row-locked escalation hold on their own."""

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from backstop_common.jobs import unit_of_work
from backstop_common.messaging_models import OutboxMessage
from backstop_common.testing import make_event
from backstop_common.uow import UnitOfWork
from notifications.domain import routing
from notifications.domain.escalation import escalate_due
from notifications.models import Message

from .helpers import load, person, village


async def _route(app, event) -> int:
    async with app.state.sessions() as session:
        uow = UnitOfWork(session, "notifications")
        created = await routing.route(app.state.ctx, uow, event, "risk.detected")
        await uow.commit()
        return created


async def _escalate(app) -> int:
    """One escalation scan, as the dispatcher runs it."""
    async with unit_of_work(app) as uow:
        return await escalate_due(uow, app.state.ctx)


async def test_routing_the_same_event_twice_creates_nothing_new(app, client, admin):
    vil = village(990)
    await load(client, admin, person(f"c-{uuid.uuid4().hex[:6]}", "village_cadre", vil))
    event = make_event("monitoring", "risk.detected", uuid.uuid4(), area_code=vil, data={
        "case_id": str(uuid.uuid4()), "household_id": str(uuid.uuid4()), "village_code": vil, "actor": None,
        "signal_id": str(uuid.uuid4()), "risk_type": "04", "rule": "labour", "facts": {}, "source": "visit"})
    results = await asyncio.gather(*(_route(app, event) for _ in range(3)))  # even at the same time
    assert sorted(results) == [0, 0, 1]


async def test_concurrent_escalation_scans_escalate_once(app, client, admin, clock):
    vil = village(1991)  # its own township: nobody else registers staff there
    cadre, town = f"c-{uuid.uuid4().hex[:6]}", f"t-{uuid.uuid4().hex[:6]}"
    await load(client, admin, person(cadre, "village_cadre", vil), person(town, "township_staff", vil[:9] + "000"))
    event = make_event("monitoring", "risk.detected", uuid.uuid4(), area_code=vil, data={
        "case_id": str(uuid.uuid4()), "household_id": str(uuid.uuid4()), "village_code": vil, "actor": None,
        "signal_id": str(uuid.uuid4()), "risk_type": "05", "rule": "accident", "facts": {}, "source": "visit"})
    assert await _route(app, event) == 1
    clock.advance(timedelta(hours=49))
    sessions = app.state.sessions
    await asyncio.gather(*(_escalate(app) for _ in range(4)))  # racing the app's own dispatcher too
    async with sessions() as session:
        original = (await session.execute(select(Message).where(Message.event_id == event.id,
                                                                Message.escalated_from_id.is_(None)))).scalar_one()
        copies = (await session.execute(select(func.count()).select_from(Message)
                                        .where(Message.escalated_from_id == original.id))).scalar_one()
        published = (await session.execute(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.subject == str(original.id),
            OutboxMessage.type == "backstop.notifications.notification.escalated.v1"))).scalar_one()
    assert original.escalated_at is not None and copies == 1 and published == 1
