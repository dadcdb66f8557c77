"""Member shapes: what a cadre enters, what a reader gets (identifiers masked unless allowed)."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from backstop_common.dates import CalendarDate
from backstop_common.examples import example
from backstop_common.money import Money
from registry.vocab import (
    Employment, Health, Labour, Pension, Relation, RemovalReason, SchoolingStage, SchoolingStatus, Sex,
)

Phone = Field(default=None, pattern=r"^[0-9+\- ]{7,20}$")


class MemberFacts(BaseModel):
    """The changeable facts of a member; every field optional for PATCH."""

    name: str | None = Field(default=None, min_length=1, max_length=50)
    relation: Relation | None = None
    ethnicity: str | None = Field(default=None, max_length=20)
    phone: str | None = Phone
    education: str | None = Field(default=None, max_length=20)
    schooling_stage: SchoolingStage | None = None
    schooling_status: SchoolingStatus | None = None
    boarding: bool | None = None
    health: Health | None = None
    illness: str | None = Field(default=None, max_length=100)
    disability_grade: int | None = Field(default=None, ge=0, le=4)
    labour_capacity: Labour | None = None
    employment: Employment | None = None
    migrant_months: int | None = Field(default=None, ge=0, le=12)
    medical_insurance: bool | None = None
    medical_out_of_pocket: Money | None = None
    medical_cost_year: int | None = Field(default=None, ge=2000, le=2100)
    pension: Pension | None = Field(default=None, description="基本养老保险: none, contributing (参保缴费), "
                                                              "receiving (领取养老金)")
    pension_monthly: Money | None = Field(default=None, description="养老金月领取额 while receiving")


@example({"name": "王小明",
          "id_number": "21120420120901003X",
          "relation": "之子",
          "schooling_stage": "junior",
          "schooling_status": "enrolled"})
class MemberCreate(MemberFacts):
    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(min_length=15, max_length=18, description="18 characters; 15-digit legacy upgraded")
    relation: Relation
    sex: Sex | None = Field(default=None, description="taken from the ID number when omitted")
    birth_date: CalendarDate | None = Field(default=None, description="taken from the ID number when omitted")
    person_number: str | None = Field(default=None, pattern=r"^[0-9]{1,20}$")


@example({"health": "major_illness", "illness": "尿毒症", "medical_out_of_pocket": "38000.00", "medical_cost_year": 2026})
class MemberUpdate(MemberFacts):
    id_number: str | None = Field(default=None, min_length=15, max_length=18)


@example({"member_id": "8c9d7e6f-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "previous_head_relation": "配偶"})
class HeadChange(BaseModel):
    member_id: uuid.UUID = Field(description="the current member who becomes 户主")
    previous_head_relation: Relation = Field(description="the old head's relation to the new one, e.g. 之父")


@example({"household_id": "0f6e8a52-3d4b-4b8e-9a3c-7c1d2e3f4a5b", "effective_on": "2026-03-01"})
class MemberMove(BaseModel):
    household_id: uuid.UUID = Field(description="the household the member joins (in your area)")
    effective_on: CalendarDate | None = None


@example({"reason": "death", "effective_on": "2026-05-20"})
class MemberRemoval(BaseModel):
    reason: RemovalReason
    effective_on: CalendarDate


class MemberRead(BaseModel):
    id: uuid.UUID
    household_id: uuid.UUID
    person_number: str | None
    name: str
    id_number: str
    relation: str
    is_head: bool
    sex: str
    birth_date: date
    ethnicity: str | None
    phone: str | None
    education: str | None
    schooling_stage: str | None
    schooling_status: str | None
    boarding: bool
    health: str
    illness: str | None
    disability_grade: int
    labour_capacity: str
    employment: str
    migrant_months: int | None
    medical_insurance: bool
    medical_out_of_pocket: Decimal | None
    medical_cost_year: int | None
    pension: str
    pension_monthly: Decimal | None
    removed_on: date | None
    removed_reason: str | None
    version: int
    created_at: datetime | None
    updated_at: datetime | None
