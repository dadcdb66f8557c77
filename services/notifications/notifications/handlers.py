"""One handler for each consumed event type, handed its payload parsed (``backstop_events``); the consumer
runs it in a transaction with its inbox row.

Registry events first update the household read model (village, paired helpers) from their models; then
every event goes through the routing rules (messages) and the webhook subscriptions (queued deliveries).
Those two read the event's data as it came on the wire, on purpose: a rule's conditions and templates
name the published JSON fields, and a subscriber receives the event as published (docs/notifications.md).
"""

import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import Any

from backstop_common.consumer import Handler
from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from backstop_events.registry import HelperAssigned, HouseholdUpdated
from notifications.context import Context
from notifications.domain import parking, routing, webhooks
from notifications.domain.targets import Lookups
from notifications.events import (CONSUMED_TYPES, HELPER_ASSIGNED, HOUSEHOLD_REGISTERED, HOUSEHOLD_UPDATED,
                                  RegisteredHousehold)
from notifications.models import HouseholdFacts
from notifications.repository import recipients


async def _facts(uow: UnitOfWork, household_id: uuid.UUID, village_code: str) -> HouseholdFacts:
    facts = await recipients.household(uow.session, str(household_id))
    if facts is None:
        facts = HouseholdFacts(household_id=str(household_id), village_code=village_code, helper_user_ids=[])
        uow.session.add(facts)
    return facts


async def _register(uow: UnitOfWork, registrations: list[tuple[Event, RegisteredHousehold]],
                    now: datetime) -> dict[uuid.UUID, list[Event]]:
    """建档 of several households (each once): their villages and paired helpers in one statement; returns, by
    registration, what was parked for its helpers and goes now (taken in one statement)."""
    households = [str(data.household_id) for _, data in registrations]
    written = [recipients.HouseholdPut(household, d.village_code, [u for u in d.helper_user_ids if u])
               for household, (_, d) in zip(households, registrations, strict=True)]
    await recipients.put_households(uow.session, written, now)
    Lookups.of(uow.session).written(written)
    parked = await parking.take(uow, households)
    return {event.id: parked.get(household, []) for (event, _), household in zip(registrations, households, strict=True)}


async def _helper_assigned(uow: UnitOfWork, data: HelperAssigned, now: datetime) -> uuid.UUID:
    """帮扶责任人: one more helper to tell; what was parked for the household's helpers goes now."""
    facts = await _facts(uow, data.household_id, data.village_code)
    if data.helper_user_id:
        facts.helper_user_ids = list(dict.fromkeys([*facts.helper_user_ids, data.helper_user_id]))
    facts.updated_at = now
    await uow.session.flush()
    return data.household_id


async def _updated(uow: UnitOfWork, data: HouseholdUpdated, now: datetime) -> None:
    """The household's village may have changed."""
    facts = await _facts(uow, data.household_id, data.village_code)
    facts.village_code = data.village_code
    facts.updated_at = now
    await uow.session.flush()


#: the events that change the household read model first; they return the household whose parked events go now
FactsChange = Callable[[UnitOfWork, Any, datetime], Awaitable[uuid.UUID | None]]
_FACTS: dict[str, FactsChange] = {HELPER_ASSIGNED: _helper_assigned, HOUSEHOLD_UPDATED: _updated}


def segments(items: list[tuple[Event, Any]]) -> Iterator[tuple[str, list[tuple[Event, Any]]]]:
    """``items`` cut into what is applied in turn, in their order: ``"route"`` a run of events that change no
    read model, ``"register"`` a run of registrations (one per household: a second one starts the next run),
    ``"change"`` one event that changes the household read model (applied alone, in its place)."""
    kind, run, registered = None, [], set()
    for item in items:
        event, data = item
        this = ("register" if event.type == HOUSEHOLD_REGISTERED else
                "change" if event.type in _FACTS else "route")
        repeated = this == "register" and data.household_id in registered
        if run and (this != kind or this == "change" or repeated):
            yield kind, run
            run, registered = [], set()
        kind = this
        run.append(item)
        if this == "register":
            registered.add(data.household_id)
    if run:
        yield kind, run


def build_batch_handler(ctx: Context) -> Callable[[list[tuple[Event, Any]], UnitOfWork], Awaitable[None]]:
    """A batch of (event, payload) in their order, in one transaction: runs of events that change no read model
    are routed together (rules and recipients read once, messages and deliveries in one insert each); an event
    that changes the household read model is applied in its place, so what follows sees it."""

    async def deliver(uow: UnitOfWork, events: list[Event], parked: dict[uuid.UUID, list[Event]] | None = None) -> None:
        """The routing rules (each event, then what was parked for it) and the webhooks (the events)."""
        if not events:
            return
        parked = parked or {}
        await routing.route_all(ctx, uow, [(e, CONSUMED_TYPES[e.type]) for event in events
                                           for e in (event, *parked.get(event.id, ()))])
        await webhooks.enqueue(uow.session, [(e, CONSUMED_TYPES[e.type]) for e in events], uow.clock.now())

    async def change(uow: UnitOfWork, event: Event, data: Any) -> None:
        unpark = await _FACTS[event.type](uow, data, uow.clock.now())
        Lookups.of(uow.session).forget(str(data.household_id))
        parked = (await parking.take(uow, [str(unpark)])).get(str(unpark), []) if unpark else []
        await deliver(uow, [event], {event.id: parked})

    async def apply_all(items: list[tuple[Event, Any]], uow: UnitOfWork) -> None:
        for kind, run in segments(items):
            if kind == "route":
                await deliver(uow, [event for event, _ in run])
            elif kind == "register":
                await deliver(uow, [event for event, _ in run], await _register(uow, run, uow.clock.now()))
            else:
                await change(uow, *run[0])

    return apply_all


def build_handlers(ctx: Context) -> dict[str, Handler]:
    """One handler for every consumed type: the batch handler on a batch of one."""
    apply_all = build_batch_handler(ctx)

    async def on_event(event: Event, data: Any, uow: UnitOfWork) -> None:
        await apply_all([(event, data)], uow)

    return dict.fromkeys(CONSUMED_TYPES, on_event)
