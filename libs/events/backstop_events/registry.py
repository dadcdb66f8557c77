"""What the registry publishes on ``registry.household`` (docs/contract.md §2, docs/events.md): the payload models
its producer builds and monitoring, funds and notifications parse.

Ids and facts only: never names, ID numbers, phones or illness names.
"""

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel

from backstop_common.asyncapi import EventCatalog
from backstop_common.money import to_fen
from backstop_common.topics import REGISTRY_HOUSEHOLD

#: money travels as a decimal string with two places ("1234.50")
Amount = Annotated[Decimal, AfterValidator(to_fen)]


class HouseholdEvent(BaseModel):
    household_id: uuid.UUID
    village_code: str


class MemberIdentity(BaseModel):
    """Which member, and the facts of birth and kin: never a name or an ID number."""

    member_id: uuid.UUID
    relation: str
    sex: str
    birth_year: int


class PersonFacts(BaseModel):
    """What monitoring screens and funds pays a member by (health, disability, labour, schooling, insurance):
    one model for the members ``household.registered`` lists and for a member ``member.added`` brings."""

    health: str
    disability_grade: int
    labour_capacity: str
    schooling_stage: str | None = None
    schooling_status: str | None = None
    boarding: bool = False
    medical_insurance: bool


class ListedMember(PersonFacts, MemberIdentity):
    """A member as ``household.registered`` lists it: who, then their facts."""


class HouseholdRegistered(HouseholdEvent):
    """A household was entered in the registry (建档立卡)."""

    poverty_status: str
    year_lifted: int | None = None
    dibao: bool = False
    tekun: bool = False
    size: int
    labour_capable_members: int
    per_capita_income: Amount | None = None
    #: the year ``per_capita_income`` is of (null with it); added in v1 as optional, older events lack it
    income_year: int | None = None
    housing_grade: str | None = None
    safe_water: bool | None = None
    uninsured_members: int = 0
    dropout_members: int = 0
    tags: list[str] = []
    main_cause: str | None = None
    helper_user_ids: list[str] = []
    members: list[ListedMember] = []
    #: 监测对象类别 and the national system's 风险是否消除 / 风险识别时间 / 风险消除时间 (optional v1 fields)
    monitoring_category: str | None = None
    risk_eliminated: bool = False
    risk_identified_on: date | None = None
    risk_eliminated_on: date | None = None
    #: 两不愁: 不愁吃 / 不愁穿 (optional v1 fields; older events lack them)
    food_secure: bool | None = None
    clothing_secure: bool | None = None
    relocated: bool | None = None  # 易地搬迁户 (optional v1)


class HouseholdUpdated(HouseholdEvent):
    """Non-personal fields of the household changed; ``changed`` names every changed field."""

    changed: list[str]
    tags: list[str] | None = None
    main_cause: str | None = None
    other_causes: list[str] | None = None
    monitoring_category: str | None = None
    food_secure: bool | None = None
    clothing_secure: bool | None = None
    relocated: bool | None = None
    previous_village_code: str | None = None


class HouseholdStatusChanged(HouseholdEvent):
    """Poverty status or the social-assistance flags (低保, 特困) changed."""

    previous_status: str
    poverty_status: str
    year_lifted: int | None = None
    dibao: bool
    tekun: bool


class HouseholdIncomeAssessed(HouseholdEvent):
    """A yearly income assessment; per-capita net income computed by the registry."""

    assessment_id: uuid.UUID
    year: int
    wage: Amount
    business: Amount
    business_costs: Amount
    property: Amount
    transfer: Amount
    net_income: Amount
    size: int
    per_capita_income: Amount
    previous_per_capita_income: Amount | None = None
    previous_year: int | None = None


class HelperAssigned(HouseholdEvent):
    """A paired helper (帮扶责任人) was assigned."""

    helper_id: uuid.UUID
    helper_user_id: str | None = None
    unit: str


class MemberAdded(HouseholdEvent):
    """A member joined the household (entered, or moved in from another)."""

    member_id: uuid.UUID
    relation: str
    sex: str
    birth_year: int
    size: int
    #: the member's facts as ``household.registered`` lists them (optional v1 field; older events lack it)
    facts: PersonFacts | None = None


class MemberRemoved(HouseholdEvent):
    """A member left: death, marriage out, migration, other."""

    member_id: uuid.UUID
    reason: str
    effective_on: date
    size: int


class MemberHealthChanged(HouseholdEvent):
    member_id: uuid.UUID
    health: str
    previous_health: str | None = None
    disability_grade: int
    medical_out_of_pocket: Amount | None = None
    year: int | None = None


class MemberSchoolingChanged(HouseholdEvent):
    member_id: uuid.UUID
    stage: str
    status: str | None = None
    previous_status: str | None = None
    age: int
    boarding: bool


class MemberEmploymentChanged(HouseholdEvent):
    member_id: uuid.UUID
    employment: str
    previous_employment: str | None = None
    job_lost: bool


class MemberPensionChanged(HouseholdEvent):
    """基本养老保险 status or monthly pension changed (人社 feed or a cadre's edit); ``pension_stopped``:
    the member was drawing a pension and no longer is (monitoring's ``pension_stopped`` signal)."""

    member_id: uuid.UUID
    pension: str
    previous_pension: str
    pension_monthly: Amount | None = None
    previous_pension_monthly: Amount | None = None
    pension_stopped: bool


class MemberInsuranceChanged(HouseholdEvent):
    member_id: uuid.UUID
    medical_insurance: bool


class HousingAssessed(HouseholdEvent):
    grade: str
    previous_grade: str | None = None
    assessed_on: date


class WaterAssessed(HouseholdEvent):
    safe_water: bool
    previous_safe_water: bool | None = None
    assessed_on: date


class DisasterReported(HouseholdEvent):
    disaster_id: uuid.UUID
    disaster_type: str
    loss_amount: Amount
    occurred_on: date


class MeasureGiven(HouseholdEvent):
    measure_id: uuid.UUID
    measure_type: str
    amount: Amount | None = None
    given_on: date
    unit: str


#: the payload model of each event, and its short name
EVENTS: dict[type[BaseModel], str] = {
    HouseholdRegistered: "household.registered", HouseholdUpdated: "household.updated",
    HouseholdStatusChanged: "household.status_changed", HouseholdIncomeAssessed: "household.income_assessed",
    HelperAssigned: "household.helper_assigned", MemberAdded: "member.added", MemberRemoved: "member.removed",
    MemberHealthChanged: "member.health_changed", MemberSchoolingChanged: "member.schooling_changed",
    MemberEmploymentChanged: "member.employment_changed", MemberInsuranceChanged: "member.insurance_changed",
    MemberPensionChanged: "member.pension_changed", HousingAssessed: "household.housing_assessed", WaterAssessed: "household.water_assessed",
    DisasterReported: "household.disaster_reported", MeasureGiven: "household.measure_given",
}
catalog = EventCatalog("registry")
for _model, _name in EVENTS.items():
    catalog.publishes(REGISTRY_HOUSEHOLD, _name, _model)
