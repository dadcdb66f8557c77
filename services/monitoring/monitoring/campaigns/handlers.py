"""Target progress from the events already flowing (never typed in): measures given and households
lifted (``registry.household``), housing renovation subsidies paid (``funds.finance``). Each unit of
progress counts once per measure, year and household (or member), then every target covering its
village publishes ``target.progressed``."""

import uuid

import structlog

from backstop_common.consumer import Handler
from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from backstop_events.funds import SubsidyPaid
from backstop_events.registry import HouseholdStatusChanged, MeasureGiven
from monitoring.campaigns import repository
from monitoring.campaigns.events import MEASURE_GIVEN, STATUS_CHANGED, SUBSIDY_PAID, TOPIC, TargetProgressed

log = structlog.get_logger()

#: registry measure types counted per person of the household (the whole household benefits)
HOUSEHOLD_MEASURES = {"industry", "employment", "dibao", "finance"}
#: registry measure types counted one person per measure (a pupil, a patient)
MEMBER_MEASURES = {"education", "health"}


async def count(uow: UnitOfWork, event: Event, measure: str, year: int, subject_key: str, village_code: str,
                people: int) -> None:
    counted = await repository.count_progress(
        uow.session, measure=measure, year=year, subject_key=subject_key, village_code=village_code,
        people=people, event_id=event.id, source_type=event.type, now=uow.clock.now())
    if not counted:
        return
    covering = await repository.targets_covering(uow.session, measure, year, village_code)
    if not covering:
        return
    # two households' events (two partitions, two consumers) progress one target and lock no row in common:
    # hold its events' order, then read the counts again — they now hold the other's progress if it came first
    await uow.hold_subjects(TOPIC, [t.id for t in covering])
    for t in await repository.targets_covering(uow.session, measure, year, village_code):
        uow.publish(TOPIC, "target.progressed", subject=t.id, area_code=t.area_code,
                    data=TargetProgressed(target_id=t.id, year=t.year, area_code=t.area_code, measure=t.measure,
                                          target=t.target, done=int(t.done)))
    log.info("campaigns.target_progress", measure=measure, year=year, village_code=village_code)


async def _people(uow: UnitOfWork, household_id: uuid.UUID) -> int:
    return await repository.household_size(uow.session, household_id) or 1


async def on_measure_given(event: Event, data: MeasureGiven, uow: UnitOfWork) -> None:
    kind, household_id, village = data.measure_type, data.household_id, data.village_code
    year = data.given_on.year
    if kind in HOUSEHOLD_MEASURES:
        await count(uow, event, kind, year, str(household_id), village, await _people(uow, household_id))
    elif kind in MEMBER_MEASURES:
        await count(uow, event, kind, year, str(data.measure_id), village, 1)


async def on_status_changed(event: Event, data: HouseholdStatusChanged, uow: UnitOfWork) -> None:
    if data.poverty_status != "lifted" or data.previous_status != "poor":
        return
    household_id, village = data.household_id, data.village_code
    year, people = data.year_lifted or event.time.year, await _people(uow, household_id)
    for measure in ("lift_households", "lift_people"):
        await count(uow, event, measure, year, str(household_id), village, people)


async def on_subsidy_paid(event: Event, data: SubsidyPaid, uow: UnitOfWork) -> None:
    if data.kind != "housing_renovation":
        return
    household_id, village = data.household_id, data.village_code
    text = data.period[:4]
    year = int(text) if text.isdigit() else event.time.year
    grade = await repository.household_grade(uow.session, household_id)
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

        async def run_all(event: Event, data, uow: UnitOfWork) -> None:
            for handler in handlers:
                await handler(event, data, uow)

        run_all.__name__ = "+".join(h.__name__ for h in handlers)
        return run_all

    return {event_type: chain(handlers) for event_type, handlers in merged.items()}
