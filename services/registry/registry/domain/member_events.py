"""Which events a change of a member's facts publishes (health, schooling, employment, insurance, pension)."""

from datetime import date

from registry.events import (
    MemberEmploymentChanged, MemberHealthChanged, MemberInsuranceChanged, MemberPensionChanged, MemberSchoolingChanged,
)
from registry.models import Household, Member

HEALTH = {"health", "illness", "disability_grade", "medical_out_of_pocket", "medical_cost_year"}
SCHOOLING = {"schooling_stage", "schooling_status", "boarding"}
PENSION = {"pension", "pension_monthly"}


def age_of(member: Member, today: date) -> int:
    born = member.birth_date
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def for_change(household: Household, member: Member, before: dict, today: date) -> list:
    """``before`` holds the previous value of every changed field; ``today`` the county's date (ages)."""
    ids = dict(household_id=household.id, village_code=household.village_code, member_id=member.id)
    events = []
    if HEALTH & before.keys():
        events.append(MemberHealthChanged(
            **ids, health=member.health, previous_health=before.get("health", member.health),
            disability_grade=member.disability_grade, medical_out_of_pocket=member.medical_out_of_pocket,
            year=member.medical_cost_year))
    if SCHOOLING & before.keys():
        events.append(MemberSchoolingChanged(
            **ids, stage=member.schooling_stage or "none", status=member.schooling_status,
            previous_status=before.get("schooling_status", member.schooling_status), age=age_of(member, today),
            boarding=member.boarding))
    if "employment" in before:
        previous = before["employment"]
        events.append(MemberEmploymentChanged(
            **ids, employment=member.employment, previous_employment=previous,
            job_lost=previous != "none" and member.employment == "none"))
    if "medical_insurance" in before:
        events.append(MemberInsuranceChanged(**ids, medical_insurance=member.medical_insurance))
    if PENSION & before.keys():
        previous = before.get("pension", member.pension)
        events.append(MemberPensionChanged(
            **ids, pension=member.pension, previous_pension=previous, pension_monthly=member.pension_monthly,
            previous_pension_monthly=before.get("pension_monthly", member.pension_monthly),
            pension_stopped=previous == "receiving" and member.pension != "receiving"))
    return events
