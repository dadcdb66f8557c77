"""Household shapes: create (with its members), patch, the full file, list rows, history."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from backstop_common.examples import example
from registry.vocab import Cause, MonitoringCategory, PovertyStatus
from registry.schemas.members import MemberCreate, MemberRead
from registry.schemas.records import (
    DisasterRead, HelperCreate, HelperRead, HousingAssessmentRead, IncomeAssessmentRead, MeasureRead,
    WaterAssessmentRead,
)


class HouseholdFacts(BaseModel):
    village_code: str | None = Field(default=None, pattern=r"^[0-9]{12}$")
    natural_village: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, pattern=r"^[0-9+\- ]{7,20}$")
    poverty_status: PovertyStatus | None = None
    year_lifted: int | None = Field(default=None, ge=2013, le=2100)
    dibao: bool | None = None
    tekun: bool | None = None
    monitoring_category: MonitoringCategory | None = None
    tags: list[str] | None = Field(default=None, max_length=20)
    main_cause: Cause | None = None
    other_causes: list[Cause] | None = Field(default=None, max_length=4)
    food_secure: bool | None = None
    clothing_secure: bool | None = None
    relocated: bool | None = None  # 易地搬迁户


@example({"village_code": "211204102200",
          "address": "石门村三组12号",
          "poverty_status": "lifted",
          "year_lifted": 2019,
          "main_cause": "illness",
          "members": [{"name": "王建国", "id_number": "211204197803150028", "relation": "户主", "labour_capacity": "full"},
                      {"name": "李秀英", "id_number": "21120419800612004X", "relation": "配偶"}],
          "helpers": [{"name": "张明", "unit": "区农业农村局", "user_id": "helper-1@211204102200"}]})
class HouseholdCreate(HouseholdFacts):
    village_code: str = Field(pattern=r"^[0-9]{12}$")
    household_number: str | None = Field(default=None, pattern=r"^[0-9]{1,20}$")
    members: list[MemberCreate] = Field(default_factory=list, max_length=30)
    helpers: list[HelperCreate] = Field(default_factory=list, max_length=10)


@example({"address": "石门村三组14号", "monitoring_category": "unstable_lifted"})
class HouseholdUpdate(HouseholdFacts):
    pass


class HouseholdRead(BaseModel):
    id: uuid.UUID
    village_code: str
    household_number: str | None
    natural_village: str | None
    address: str | None
    phone: str | None
    poverty_status: str
    year_lifted: int | None
    dibao: bool
    tekun: bool
    monitoring_category: str | None
    risk_eliminated: bool
    risk_identified_on: date | None
    risk_eliminated_on: date | None
    tags: list[str]
    main_cause: str | None
    other_causes: list[str]
    housing_grade: str | None
    housing_assessed_on: date | None
    safe_water: bool | None
    water_assessed_on: date | None
    food_secure: bool
    clothing_secure: bool
    relocated: bool = False
    size: int
    per_capita_income: Decimal | None
    income_year: int | None
    version: int
    created_at: datetime | None
    updated_at: datetime | None


class HouseholdFile(HouseholdRead):
    """One household's whole file in one call (一户一档)."""

    members: list[MemberRead]
    former_members: list[MemberRead]
    income_assessments: list[IncomeAssessmentRead]
    housing_assessments: list[HousingAssessmentRead]
    water_assessments: list[WaterAssessmentRead]
    disasters: list[DisasterRead]
    helpers: list[HelperRead]
    measures: list[MeasureRead]


class HouseholdRow(BaseModel):
    """A line of the household list a township office works from."""

    id: uuid.UUID
    village_code: str
    household_number: str | None
    head_name: str | None
    head_id_number: str | None
    phone: str | None
    size: int
    poverty_status: str
    dibao: bool
    tekun: bool
    monitoring_category: str | None
    risk_eliminated: bool
    main_cause: str | None
    tags: list[str]
    per_capita_income: Decimal | None
    housing_grade: str | None
    safe_water: bool | None
    version: int


class ChangeRead(BaseModel):
    seq: int
    entity: str
    entity_id: uuid.UUID
    action: str
    field: str | None
    old_value: Any = None
    new_value: Any = None
    actor: str
    actor_role: str
    version: int | None
    changed_at: datetime
