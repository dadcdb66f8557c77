"""Department data feeds (部门数据比对): health insurance, civil affairs, education, housing, public
security (deaths, moves out of the county), human resources (employment), the disabled persons'
federation (disability grade), water.

Each record names a person by resident ID number. A matched record changes the member or household
through the same rules as a cadre's edit (history, version, event); an unmatched one comes back.
"""

import contextlib

from backstop_common.auth import Principal, Role
from backstop_common.i18n import message_of, msg, term, translate
from backstop_common.privacy import mask_id_number
from backstop_common.problems import Conflict, Forbidden, Unprocessable
from backstop_common.uow import UnitOfWork
from registry.domain import households, members
from registry.domain.conditions import apply_housing, apply_water
from registry.domain.departures import leave
from registry.domain.identity import InvalidIdNumber, normalize_id_number
from registry.repository import members as repo
from registry.schemas.feeds import FeedResult, FeedUnmatched
from registry.schemas.members import MemberRemoval
from registry.schemas.records import HousingAssessmentCreate, WaterAssessmentCreate


def may_post(principal: Principal, department: str) -> None:
    if principal.role in (Role.COUNTY_ADMIN, Role.SYSTEM):
        return
    if principal.role != Role.DEPARTMENT or principal.department != department:
        raise Forbidden(msg("only {department} staff may post this feed", department=term("department", department)))


#: departments whose matched record may still be refused (a member who already left, a household's status rule):
#: each of their records in a savepoint of its own. The others cannot fail once matched: their writes wait in
#: the session and go at the commit's flush, one batched statement a table, instead of a savepoint and a flush
#: per record (a feed of 10,000 housing records: 40,000 round trips fewer; issue 18)
REFUSABLE = frozenset({"public_security", "civil_affairs"})
NO_MEMBER = "no current member with this ID number in your area"
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


async def apply_feed(uow: UnitOfWork, principal: Principal, department: str, records: list) -> FeedResult:
    may_post(principal, department)
    result, numbers = FeedResult(department=department, received=len(records)), {}
    for index, record in enumerate(records):
        try:
            numbers[index] = normalize_id_number(record.id_number, uow.clock.today())
        except InvalidIdNumber as exc:
            result.unmatched.append(FeedUnmatched(index=index, id_number=mask_id_number(record.id_number),
                                                  reason=translate(msg("invalid ID number: {reason}",
                                                                       reason=message_of(exc)))))
    found = await repo.current_in_scope(uow.session, sorted(set(numbers.values())), principal.scope)
    action = f"feed:{department}"
    for index, number in numbers.items():
        if number not in found:
            result.unmatched.append(FeedUnmatched(index=index, id_number=mask_id_number(number),
                                                  reason=translate(NO_MEMBER)))
            continue
        member, household = found[number]
        try:
            # a refused record changes nothing and comes back
            async with uow.session.begin_nested() if department in REFUSABLE else contextlib.nullcontext():
                changed = await _apply(uow, principal, department, records[index], member, household, action)
        except (Conflict, Unprocessable) as exc:
            result.unmatched.append(FeedUnmatched(index=index, id_number=mask_id_number(number),
                                                  reason=translate(exc.detail)))
            continue
        result.matched += 1
        result.changed += int(changed)
    result.unmatched.sort(key=lambda u: u.index)
    return result


async def _apply(uow: UnitOfWork, principal: Principal, department: str, record, member, household,
                 action: str) -> bool:
    if department in ("health_insurance", "education", "human_resources", "disabled_federation"):
        return await members.apply_changes(uow, principal, member, household, _member_changes(department, record),
                                           action)
    if department == "civil_affairs":
        return await households.apply_changes(uow, principal, household,
                                              {"dibao": record.dibao, "tekun": record.tekun}, action)
    if department == "public_security":
        await leave(uow, principal, member, household,
                    MemberRemoval(reason=DEPARTURES[record.event], effective_on=record.effective_on), action)
        return True
    if department == "water":
        changed = household.water_assessed_on != record.assessed_on or household.safe_water != record.safe_water
        if changed:
            await apply_water(uow, principal, household, WaterAssessmentCreate(
                safe_water=record.safe_water, assessed_on=record.assessed_on, note=record.note), action)
        return changed
    changed = household.housing_assessed_on != record.assessed_on or household.housing_grade != record.grade
    if changed:
        apply_housing(uow, principal, household, HousingAssessmentCreate(
            grade=record.grade, assessed_on=record.assessed_on, note=record.note), source=action)
    return changed
