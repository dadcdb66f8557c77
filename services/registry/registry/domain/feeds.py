"""Department data feeds (部门数据比对): health insurance, civil affairs, education, housing.

Each record names a person by resident ID number. A matched record changes the member or household
through the same rules as a cadre's edit (history, version, event); an unmatched one comes back.
"""

from backstop_common.auth import Principal, Role
from backstop_common.privacy import mask_id_number
from backstop_common.problems import Forbidden
from backstop_common.uow import UnitOfWork
from registry.domain import households, members
from registry.domain.conditions import apply_housing
from registry.domain.identity import InvalidIdNumber, normalize_id_number
from registry.repository import members as repo
from registry.schemas.feeds import FeedResult, FeedUnmatched
from registry.schemas.records import HousingAssessmentCreate


def may_post(principal: Principal, department: str) -> None:
    if principal.role in (Role.COUNTY_ADMIN, Role.SYSTEM):
        return
    if principal.role != Role.DEPARTMENT or principal.department != department:
        raise Forbidden(f"only {department} department staff may post this feed")


def _member_changes(department: str, record) -> dict:
    if department == "health_insurance":
        changes = {"medical_out_of_pocket": record.medical_out_of_pocket, "medical_cost_year": record.year}
        if record.insured is not None:
            changes["medical_insurance"] = record.insured
        if record.health is not None:
            changes["health"] = record.health
        return changes
    return {"schooling_stage": record.stage, "schooling_status": record.status, "boarding": record.boarding}


async def apply_feed(uow: UnitOfWork, principal: Principal, department: str, records: list) -> FeedResult:
    may_post(principal, department)
    result, numbers = FeedResult(department=department, received=len(records)), {}
    for index, record in enumerate(records):
        try:
            numbers[index] = normalize_id_number(record.id_number)
        except InvalidIdNumber as exc:
            result.unmatched.append(FeedUnmatched(index=index, id_number=mask_id_number(record.id_number),
                                                  reason=f"invalid ID number: {exc}"))
    found = await repo.current_in_scope(uow.session, sorted(set(numbers.values())), principal.scope)
    action = f"feed:{department}"
    for index, number in numbers.items():
        if number not in found:
            result.unmatched.append(FeedUnmatched(index=index, id_number=mask_id_number(number),
                                                  reason="no current member with this ID number in your area"))
            continue
        member, household = found[number]
        record = records[index]
        if department in ("health_insurance", "education"):
            changed = await members.apply_changes(uow, principal, member, household,
                                                  _member_changes(department, record), action)
        elif department == "civil_affairs":
            changed = await households.apply_changes(uow, principal, household,
                                                     {"dibao": record.dibao, "tekun": record.tekun}, action)
        else:
            changed = household.housing_assessed_on != record.assessed_on or household.housing_grade != record.grade
            if changed:
                apply_housing(uow, principal, household, HousingAssessmentCreate(
                    grade=record.grade, assessed_on=record.assessed_on, note=record.note), source=action)
                await uow.session.flush()
        result.matched += 1
        result.changed += int(changed)
    result.unmatched.sort(key=lambda u: u.index)
    return result
