"""The facts monitoring and funds need about a household, as ``household.registered`` carries them."""

from registry.events import HouseholdRegistered, ListedMember, MemberAdded, PersonFacts
from registry.models import Helper, Household, Member


def registered_event(household: Household, members: list[Member], helpers: list[Helper]) -> HouseholdRegistered:
    current = [m for m in members if m.removed_on is None]
    return HouseholdRegistered(
        household_id=household.id, village_code=household.village_code,
        poverty_status=household.poverty_status, year_lifted=household.year_lifted,
        dibao=household.dibao, tekun=household.tekun, size=len(current),
        labour_capable_members=sum(m.labour_capacity != "none" for m in current),
        per_capita_income=household.per_capita_income, income_year=household.income_year,
        housing_grade=household.housing_grade,
        safe_water=household.safe_water,
        food_secure=household.food_secure, clothing_secure=household.clothing_secure, relocated=household.relocated,
        uninsured_members=sum(not m.medical_insurance for m in current),
        dropout_members=sum(m.schooling_status == "dropped_out" for m in current),
        tags=list(household.tags or []), main_cause=household.main_cause,
        monitoring_category=household.monitoring_category, risk_eliminated=household.risk_eliminated,
        risk_identified_on=household.risk_identified_on, risk_eliminated_on=household.risk_eliminated_on,
        helper_user_ids=[h.user_id for h in helpers if h.user_id and h.ended_on is None],
        members=[ListedMember(member_id=m.id, relation=m.relation, sex=m.sex, birth_year=m.birth_date.year,
                              **person_facts(m).model_dump()) for m in current],
    )


def person_facts(member: Member) -> PersonFacts:
    """The member's facts monitoring screens and funds pays by, as events carry them."""
    return PersonFacts(health=member.health, disability_grade=member.disability_grade,
                       labour_capacity=member.labour_capacity, schooling_stage=member.schooling_stage,
                       schooling_status=member.schooling_status, boarding=member.boarding,
                       medical_insurance=member.medical_insurance)


def member_added(household: Household, member: Member) -> MemberAdded:
    """``member.added``: the member joined ``household`` (entered or moved in), with their facts."""
    return MemberAdded(household_id=household.id, village_code=household.village_code, member_id=member.id,
                       relation=member.relation, sex=member.sex, birth_year=member.birth_date.year,
                       size=household.size, facts=person_facts(member))
