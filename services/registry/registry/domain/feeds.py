"""Department data feeds (部门数据比对): health insurance, civil affairs, education, housing, public
security (deaths, moves out of the county), human resources (employment), the disabled persons'
federation (disability grade), water.

Each record names a person by resident ID number. A matched record changes the member or household
through the same rules as a cadre's edit (history, version, event); an unmatched one comes back.

Every feed is set-based (issue 18): one statement locks and reads every household (and member) the feed names,
the rule runs in memory record by record (a household named twice sees its first record, as one request after
another would; a refused record — civil affairs, public security — is decided before it changes anything, so it
needs no savepoint), and the rows and events are written in a few statements for the whole feed
(repository/feeds.py). ``apply_feed(one_by_one=True)`` is the ORM path record by record, the tests' yardstick.
"""

import contextlib

from backstop_common.auth import Principal, Role
from backstop_common.i18n import message_of, msg, term, translate
from backstop_common.privacy import mask_id_number
from backstop_common.problems import Conflict, Forbidden, Unprocessable
from backstop_common.uow import UnitOfWork
from registry.domain import households, members
from registry.domain.conditions import apply_housing, apply_water, decide_housing, decide_water
from registry.domain.departures import decide_leave, leave
from registry.domain.identity import InvalidIdNumber, normalize_id_number
from registry.domain.publishing import emit_all
from registry.repository import feeds as feed_rows
from registry.repository import members as repo
from registry.repository.records import RecordBatch, record_batch
from registry.schemas.feeds import FeedResult, FeedUnmatched
from registry.schemas.members import MemberRemoval
from registry.schemas.records import HousingAssessmentCreate, WaterAssessmentCreate


def may_post(principal: Principal, department: str) -> None:
    if principal.role in (Role.COUNTY_ADMIN, Role.SYSTEM):
        return
    if principal.role != Role.DEPARTMENT or principal.department != department:
        raise Forbidden(msg("only {department} staff may post this feed", department=term("department", department)))


#: departments whose matched record may still be refused (a member who already left, a household's status rule):
#: on the ORM path (``one_by_one``) each of their records in a savepoint of its own; the others' writes wait in the
#: session for the commit's flush. Set-based, a refusal is decided before anything changes
REFUSABLE = frozenset({"public_security", "civil_affairs"})
NO_MEMBER = "no current member with this ID number in your area"
#: departments whose records are appraisals of the named person's household
APPRAISALS = frozenset({"housing", "water"})
#: departments whose records change a member's facts
MEMBER_FACTS = frozenset({"health_insurance", "education", "human_resources", "disabled_federation"})
#: what a public-security record ends a membership with (减员 reason)
DEPARTURES = {"death": "death", "moved_out": "migration"}


def _member_changes(department: str, record) -> dict:
    if department == "human_resources":
        return human_resources_changes(record)
    if department == "disabled_federation":
        return {"disability_grade": record.disability_grade}
    if department == "health_insurance":
        changes = {"medical_out_of_pocket": record.medical_out_of_pocket, "medical_cost_year": record.year}
        if record.insured is not None:
            changes["medical_insurance"] = record.insured
        if record.health is not None:
            changes["health"] = record.health
        return changes
    return {"schooling_stage": record.stage, "schooling_status": record.status, "boarding": record.boarding}


def human_resources_changes(record) -> dict:
    """Only what the record says; a pension no longer drawn has no monthly amount."""
    changes = {"employment": record.employment} if record.employment is not None else {}
    if record.pension is not None:
        changes.update(pension=record.pension, pension_monthly=record.pension_monthly)
    return changes


async def apply_feed(uow: UnitOfWork, principal: Principal, department: str, records: list, *,
                     one_by_one: bool = False) -> FeedResult:
    """``one_by_one``: the feed record by record through the ORM, as before issue 18 — the set-based path's
    yardstick in tests (its answer, rows and events must be the same)."""
    may_post(principal, department)
    result, numbers = FeedResult(department=department, received=len(records)), {}
    for index, record in enumerate(records):
        try:
            numbers[index] = normalize_id_number(record.id_number, uow.clock.today())
        except InvalidIdNumber as exc:
            result.unmatched.append(FeedUnmatched(index=index, id_number=mask_id_number(record.id_number),
                                                  reason=translate(msg("invalid ID number: {reason}",
                                                                       reason=message_of(exc)))))
    if not one_by_one:
        await _apply_all(uow, principal, department, records, numbers, result)
    else:
        await _apply_each(uow, principal, department, records, numbers, result)
    result.unmatched.sort(key=lambda u: u.index)
    return result


def _no_member(result: FeedResult, index: int, number: str) -> None:
    result.unmatched.append(FeedUnmatched(index=index, id_number=mask_id_number(number), reason=translate(NO_MEMBER)))


def _refused(result: FeedResult, index: int, number: str, exc: Conflict | Unprocessable) -> None:
    result.unmatched.append(FeedUnmatched(index=index, id_number=mask_id_number(number), reason=translate(exc.detail)))


async def _apply_all(uow: UnitOfWork, principal: Principal, department: str, records: list,
                     numbers: dict[int, str], result: FeedResult) -> None:
    """The set-based path: every household (and member) named locked and read in one statement, the rule run in
    memory record by record, the feed's rows and events written in a few statements for the whole feed."""
    action, named = f"feed:{department}", sorted(set(numbers.values()))
    if department in APPRAISALS:
        found = await feed_rows.lock_holders(uow.session, department, named, principal.scope)
        written = RecordBatch()
    else:
        found = await feed_rows.lock_members(uow.session, named, principal.scope)
        written = feed_rows.FeedChanges()
    for index, number in numbers.items():
        if number not in found:
            _no_member(result, index, number)
            continue
        try:
            decided = _decide(uow, principal, department, records[index], found[number], action)
        except (Conflict, Unprocessable) as exc:  # decided before anything changed
            _refused(result, index, number, exc)
            continue
        result.matched += 1
        if decided is not None:
            written.add(*decided)
            result.changed += 1
    if department in APPRAISALS:
        await record_batch(uow.session, department, written)
    else:
        await feed_rows.record_feed_changes(uow.session, written)
    await emit_all(uow, written.events)


def _decide(uow: UnitOfWork, principal: Principal, department: str, record, found, action: str) -> tuple | None:
    """What one record changes (the arguments of its batch's ``add``), decided in memory; None: nothing."""
    if department in MEMBER_FACTS:
        member, household = found
        decided = members.decide_changes(uow, principal, member, household, _member_changes(department, record),
                                         action)
        if decided is None:
            return None
        columns, rows, events = decided
        return member, household, rows, events, columns
    if department == "civil_affairs":
        member, household = found
        decided = households.decide_changes(uow, principal, household, {"dibao": record.dibao, "tekun": record.tekun},
                                            action)
        if decided is None:
            return None
        columns, rows, events = decided
        return member, household, rows, events, (), (*columns, "version")
    if department == "public_security":
        member, household = found
        columns, rows, events = decide_leave(uow, principal, member, household, MemberRemoval(
            reason=DEPARTURES[record.event], effective_on=record.effective_on), action)
        return member, household, rows, events, columns, ("size", "version")
    if not _appraisal_changes(department, found, record):
        return None
    if department == "water":
        appraisal, rows, event = decide_water(uow, principal, found, WaterAssessmentCreate(
            safe_water=record.safe_water, assessed_on=record.assessed_on, note=record.note), action)
    else:
        appraisal, rows, event = decide_housing(uow, principal, found, HousingAssessmentCreate(
            grade=record.grade, assessed_on=record.assessed_on, note=record.note), source=action)
    return appraisal, found, rows, [event]


def _appraisal_changes(department: str, household, record) -> bool:
    """An appraisal the household already holds (same date, same finding) is matched but not recorded again."""
    if department == "water":
        return household.water_assessed_on != record.assessed_on or household.safe_water != record.safe_water
    return household.housing_assessed_on != record.assessed_on or household.housing_grade != record.grade


async def _apply_each(uow: UnitOfWork, principal: Principal, department: str, records: list,
                      numbers: dict[int, str], result: FeedResult) -> None:
    found = await repo.current_in_scope(uow.session, sorted(set(numbers.values())), principal.scope)
    action = f"feed:{department}"
    for index, number in numbers.items():
        if number not in found:
            _no_member(result, index, number)
            continue
        member, household = found[number]
        try:
            # a refused record changes nothing and comes back
            async with uow.session.begin_nested() if department in REFUSABLE else contextlib.nullcontext():
                changed = await _apply(uow, principal, department, records[index], member, household, action)
        except (Conflict, Unprocessable) as exc:
            _refused(result, index, number, exc)
            continue
        result.matched += 1
        result.changed += int(changed)


async def _apply(uow: UnitOfWork, principal: Principal, department: str, record, member, household,
                 action: str) -> bool:
    if department in MEMBER_FACTS:
        return await members.apply_changes(uow, principal, member, household, _member_changes(department, record),
                                           action)
    if department == "civil_affairs":
        return await households.apply_changes(uow, principal, household,
                                              {"dibao": record.dibao, "tekun": record.tekun}, action)
    if department == "public_security":
        await leave(uow, principal, member, household,
                    MemberRemoval(reason=DEPARTURES[record.event], effective_on=record.effective_on), action)
        return True
    changed = _appraisal_changes(department, household, record)
    if department == "water":
        if changed:
            await apply_water(uow, principal, household, WaterAssessmentCreate(
                safe_water=record.safe_water, assessed_on=record.assessed_on, note=record.note), action)
        return changed
    if changed:
        apply_housing(uow, principal, household, HousingAssessmentCreate(
            grade=record.grade, assessed_on=record.assessed_on, note=record.note), source=action)
    return changed
