"""Target progress from the events already flowing (never typed in): measures given and households
lifted (``registry.household``), housing renovation subsidies paid (``funds.finance``). Each unit of
progress counts once per measure, year and household (or member), then every target covering its
village publishes ``target.progressed``."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog

from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from monitoring.campaigns import repository
from monitoring.campaigns.events import MEASURE_GIVEN, STATUS_CHANGED, SUBSIDY_PAID, TOPIC, TargetProgressed

log = structlog.get_logger()
Handler = Callable[[Event, UnitOfWork], Awaitable[None]]

#: registry measure types counted per person of the household (the whole household benefits)
HOUSEHOLD_MEASURES = {"industry", "employment", "dibao", "finance"}
#: registry measure types counted one person per measure (a pupil, a patient)
MEMBER_MEASURES = {"education", "health"}


def _year(value, fallback: datetime) -> int:
    text = str(value or "")
    return int(text[:4]) if text[:4].isdigit() else fallback.year


async def count(uow: UnitOfWork, event: Event, measure: str, year: int, subject_key: str, village_code: str,
                people: int) -> None:
    counted = await repository.count_progress(
        uow.session, measure=measure, year=year, subject_key=subject_key, village_code=village_code,
        people=people, event_id=event.id, source_type=event.type, now=uow.clock.now())
    if not counted:
        return
    for t in await repository.targets_covering(uow.session, measure, year, village_code):
        uow.publish(TOPIC, "target.progressed", subject=t.id, area_code=t.area_code,
                    data=TargetProgressed(target_id=t.id, year=t.year, area_code=t.area_code, measure=t.measure,
                                          target=t.target, done=int(t.done)))
    log.info("campaigns.target_progress", measure=measure, year=year, village_code=village_code)


async def _people(uow: UnitOfWork, data: dict, household_id: uuid.UUID) -> int:
    if isinstance(data.get("people"), int) and data["people"] > 0:
        return data["people"]
    return await repository.household_size(uow.session, household_id) or 1


async def on_measure_given(event: Event, uow: UnitOfWork) -> None:
    data, kind = event.data, event.data.get("measure_type")
    household_id, village = uuid.UUID(data["household_id"]), data["village_code"]
    year = _year(data.get("given_on"), event.time)
    if kind in HOUSEHOLD_MEASURES:
        await count(uow, event, kind, year, str(household_id), village, await _people(uow, data, household_id))
    elif kind in MEMBER_MEASURES:
        key = data.get("member_id") or data.get("measure_id") or str(event.id)
        await count(uow, event, kind, year, str(key), village, 1)


async def on_status_changed(event: Event, uow: UnitOfWork) -> None:
    data = event.data
    if data.get("poverty_status") != "lifted" or data.get("previous_status") != "poor":
        return
    household_id, village = uuid.UUID(data["household_id"]), data["village_code"]
    year, people = _year(data.get("year_lifted"), event.time), await _people(uow, data, household_id)
    for measure in ("lift_households", "lift_people"):
        await count(uow, event, measure, year, str(household_id), village, people)


async def on_subsidy_paid(event: Event, uow: UnitOfWork) -> None:
    data = event.data
    if data.get("kind") != "housing_renovation" or not data.get("household_id"):
        return
    household_id, village = uuid.UUID(data["household_id"]), data["village_code"]
    year = _year(data.get("period"), event.time)
    grade = data.get("grade") or await repository.household_grade(uow.session, household_id)
    measures = ["housing"] + ([f"housing_{grade.lower()}"] if grade in ("C", "D") else [])
    for measure in measures:
        await count(uow, event, measure, year, str(household_id), village, 1)


HANDLERS: dict[str, Handler] = {MEASURE_GIVEN: on_measure_given, STATUS_CHANGED: on_status_changed,
                                SUBSIDY_PAID: on_subsidy_paid}


def merge_handlers(*tables: dict[str, Handler]) -> dict[str, Handler]:
    """One handler table from several: where two packages handle the same type, both run, in order,
    in the same transaction (e.g. monitoring's read model first, then campaign progress)."""
    merged: dict[str, list[Handler]] = {}
    for table in tables:
        for event_type, handler in table.items():
            merged.setdefault(event_type, []).append(handler)

    def chain(handlers: list[Handler]) -> Handler:
        if len(handlers) == 1:
            return handlers[0]

        async def run_all(event: Event, uow: UnitOfWork) -> None:
            for handler in handlers:
                await handler(event, uow)

        run_all.__name__ = "+".join(h.__name__ for h in handlers)
        return run_all

    return {event_type: chain(handlers) for event_type, handlers in merged.items()}
