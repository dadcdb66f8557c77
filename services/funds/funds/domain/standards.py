"""Subsidy amounts computed from the standards held as data; never typed by hand."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from backstop_common.i18n import msg
from backstop_common.money import to_fen
from backstop_common.problems import Unprocessable
from funds.enums import FIRST_POLICY_YEAR, MEDICAL_ORDER, SubsidyKind
from funds.models import HouseholdFact, MemberFact, SubsidyStandard
from funds.repository import readmodel
from funds.repository.policy import standards_in_force


#: a county publishes next year's standards ahead of time, never further
YEARS_AHEAD = 1


def check_policy_year(year: int, now: datetime) -> None:
    """Policy lines are set for the transition period's years up to next year; anything else is junk."""
    last = now.year + YEARS_AHEAD
    if not FIRST_POLICY_YEAR <= year <= last:
        raise Unprocessable(msg("year {year} is outside the policy years {first}–{last}", year=year, first=FIRST_POLICY_YEAR,
                                last=last),
                            field="year", minimum=FIRST_POLICY_YEAR, maximum=last)


@dataclass
class Entitlement:
    kind: SubsidyKind
    amount: Decimal
    item: str
    basis: dict = field(default_factory=dict)


def _basis(line: SubsidyStandard, **facts) -> dict:
    return {"standard": {"year": line.year, "area_code": line.area_code, "item": line.item,
                         "amount": str(line.amount) if line.amount is not None else None,
                         "rate": str(line.rate) if line.rate is not None else None,
                         "threshold": str(line.threshold) if line.threshold is not None else None,
                         "cap": str(line.cap) if line.cap is not None else None},
            "facts": {k: (str(v) if isinstance(v, Decimal) else v) for k, v in facts.items()}}


def _line(lines: dict, item: str, what: str) -> SubsidyStandard:
    if item not in lines:
        raise Unprocessable(msg("no {what} standard for {item} in this area and year", what=msg(what), item=repr(item)))
    return lines[item]


#: the dangerous-house grades (危房) renovation aid is for
AIDED_GRADES = ("C", "D")


def housing_item(household: HouseholdFact) -> str:
    """危房改造: the standard's item is the house's grade, and only a C or D house has one."""
    grade = household.housing_grade
    if grade not in AIDED_GRADES:
        raise Unprocessable(msg("housing grade is {grade}: only C and D (危房) get renovation aid", grade=grade or "unknown"))
    return grade


async def housing(session, household: HouseholdFact, year: int) -> Entitlement:
    grade = housing_item(household)
    line = _line(await standards_in_force(session, SubsidyKind.HOUSING_RENOVATION, household.village_code, year),
                 grade, "housing renovation")
    return Entitlement(SubsidyKind.HOUSING_RENOVATION, to_fen(line.amount), grade, _basis(line, housing_grade=grade))


#: the stages of compulsory education, whose boarders get the boarding line (寄宿生生活补助)
BOARDING_STAGES = ("primary", "junior")


def education_item(member: MemberFact) -> str:
    """教育资助: the standard's item is the pupil's stage, its boarding line for a boarder in compulsory school."""
    if member.schooling_status != "enrolled" or not member.schooling_stage or member.schooling_stage == "none":
        raise Unprocessable("the member is not enrolled in school")
    stage = member.schooling_stage
    return f"{stage}_boarding" if member.boarding and stage in BOARDING_STAGES else stage


async def education(session, household: HouseholdFact, member: MemberFact, year: int) -> Entitlement:
    item = education_item(member)
    stage = member.schooling_stage
    line = _line(await standards_in_force(session, SubsidyKind.EDUCATION, household.village_code, year), item, "education")
    return Entitlement(SubsidyKind.EDUCATION, to_fen(line.amount), item,
                       _basis(line, stage=stage, boarding=member.boarding))


def relief(line: SubsidyStandard, self_paid: Decimal) -> Decimal:
    """医疗救助: the line's rate of the self-paid cost above its threshold, at most its cap, to the fen."""
    return to_fen(min(line.cap, max(Decimal(0), self_paid - line.threshold) * line.rate))


def medical_item(household: HouseholdFact) -> list[str]:
    """The medical-relief lines that may apply to the household, the one that fits it best first."""
    flags = {"tekun": household.tekun, "dibao": household.dibao, "monitored": household.monitored}
    return [item for item in MEDICAL_ORDER if flags.get(item, True)]


async def medical(session, household: HouseholdFact, member: MemberFact, year: int) -> Entitlement:
    oop = member.medical_out_of_pocket
    if oop is None or (member.medical_year and member.medical_year != year):
        raise Unprocessable(msg("no compliant self-paid medical cost recorded for {year}", year=year))
    lines = await standards_in_force(session, SubsidyKind.MEDICAL_RELIEF, household.village_code, year)
    item = next((i for i in medical_item(household) if i in lines), None)
    if item is None:
        raise Unprocessable("no medical relief standard in this area and year")
    line = lines[item]
    amount = relief(line, oop)
    if amount <= 0:
        raise Unprocessable(msg("self-paid cost {oop} is not above the threshold {threshold}", oop=oop,
                                threshold=line.threshold))
    return Entitlement(SubsidyKind.MEDICAL_RELIEF, amount, item, _basis(line, self_paid=oop, year=year))


#: 建档立卡 households (poor or lifted: seeds 000 and 003 subsidise 建档立卡贫困人口) and monitored ones
PREMIUM_STATUSES = ("poor", "lifted")


def premium_eligible(household: HouseholdFact) -> bool:
    return household.poverty_status in PREMIUM_STATUSES or household.monitored


def premiums(line: SubsidyStandard, insured: int) -> Decimal:
    """参保补贴 of a household: the individual premium per insured member, for each of them."""
    return to_fen(line.amount * insured)


async def premium(session, household: HouseholdFact, year: int) -> Entitlement:
    """参保补贴: the individual premium (个人缴费) of every insured member, by the standard per person."""
    if not premium_eligible(household):
        raise Unprocessable(msg("poverty status {status} and not monitored: the premium subsidy is for 建档立卡 or "
                                "monitored households", status=household.poverty_status or "unknown"))
    insured = await readmodel.insured_members(session, household.id)
    if not insured:
        raise Unprocessable("no member of the household has basic medical insurance recorded")
    line = _line(await standards_in_force(session, SubsidyKind.MEDICAL_INSURANCE, household.village_code, year),
                 "individual", "medical insurance premium")
    return Entitlement(SubsidyKind.MEDICAL_INSURANCE, premiums(line, len(insured)), "individual",
                       _basis(line, insured_members=len(insured), member_ids=[str(m.id) for m in insured]))


async def entitlement(session, kind: SubsidyKind, household: HouseholdFact,
                      member: MemberFact | None, year: int) -> Entitlement:
    if kind is SubsidyKind.HOUSING_RENOVATION:
        return await housing(session, household, year)
    if kind is SubsidyKind.MEDICAL_INSURANCE:
        return await premium(session, household, year)
    if member is None:
        raise Unprocessable(msg("{kind} is paid to a member: give member_id", kind=kind))
    if kind is SubsidyKind.EDUCATION:
        return await education(session, household, member, year)
    return await medical(session, household, member, year)
