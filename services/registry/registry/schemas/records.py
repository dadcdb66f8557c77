"""Income, housing, water, disasters, helpers, measures: what is posted and read back."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from backstop_common.dates import CalendarDate
from backstop_common.examples import example
from backstop_common.money import Money
from registry.vocab import ABSURD, DisasterType, HousingGrade, MeasureType

Component = Field(ge=0, le=ABSURD, max_digits=14, decimal_places=2)


@example({"year": 2025,
          "wage": "42000.00",
          "business": "6000.00",
          "business_costs": "1000.00",
          "property": "0.00",
          "transfer": "3000.00"})
class IncomeAssessmentCreate(BaseModel):
    year: int = Field(ge=2014, le=2100)
    wage: Decimal = Component
    business: Decimal = Component
    business_costs: Decimal = Component
    property: Decimal = Component
    transfer: Decimal = Component


class IncomeAssessmentRead(IncomeAssessmentCreate):
    id: uuid.UUID
    net_income: Decimal
    size: int
    per_capita_income: Decimal
    assessed_by: str
    created_at: datetime | None


#: the most income assessments one batch request may carry (a township's collection day, a phone's sync)
BATCH_MAX = 2000


@example({"household_id": "0b1e6f4e-3c1a-4c8e-9a53-1f0e2d7c9a10", "year": 2025, "wage": "42000.00",
          "business": "6000.00", "business_costs": "1000.00", "property": "0.00", "transfer": "3000.00"})
class IncomeAssessmentBatchItem(IncomeAssessmentCreate):
    household_id: uuid.UUID
    #: the household's version the writer last saw (optional, as If-Match on the single route)
    version: int | None = Field(default=None, ge=1)


@example({"items": [{"household_id": "0b1e6f4e-3c1a-4c8e-9a53-1f0e2d7c9a10", "year": 2025, "wage": "42000.00",
                     "business": "6000.00", "business_costs": "1000.00", "property": "0.00",
                     "transfer": "3000.00"}]})
class IncomeAssessmentBatch(BaseModel):
    items: list[IncomeAssessmentBatchItem] = Field(min_length=1, max_length=BATCH_MAX)


class BatchRefusal(BaseModel):
    """Why one record was not recorded (the problem the single route would have answered)."""

    status: int
    title: str
    detail: str


class IncomeAssessmentBatchOutcome(BaseModel):
    index: int
    household_id: uuid.UUID
    status: int
    assessment: IncomeAssessmentRead | None = None
    problem: BatchRefusal | None = None


class IncomeAssessmentBatchResult(BaseModel):
    received: int
    recorded: int
    items: list[IncomeAssessmentBatchOutcome]


@example({"grade": "C", "assessed_on": "2026-06-01", "note": "墙体开裂"})
class HousingAssessmentCreate(BaseModel):
    grade: HousingGrade
    assessed_on: CalendarDate
    note: str | None = Field(default=None, max_length=500)


class HousingAssessmentRead(HousingAssessmentCreate):
    id: uuid.UUID
    source: str
    assessed_by: str


@example({"safe_water": False, "assessed_on": "2026-06-01", "note": "水井干涸"})
class WaterAssessmentCreate(BaseModel):
    safe_water: bool
    assessed_on: CalendarDate
    note: str | None = Field(default=None, max_length=500)


class WaterAssessmentRead(WaterAssessmentCreate):
    id: uuid.UUID
    assessed_by: str


@example({"disaster_type": "0201", "loss_amount": "60000.00", "occurred_on": "2026-07-20", "description": "洪水冲毁大棚"})
class DisasterCreate(BaseModel):
    disaster_type: DisasterType = Field(description="risk code 0201 flood … 0299 other")
    loss_amount: Money
    occurred_on: CalendarDate
    description: str | None = Field(default=None, max_length=500)


class DisasterRead(DisasterCreate):
    id: uuid.UUID
    reported_by: str


@example({"name": "张明",
          "unit": "区农业农村局",
          "phone": "13900001111",
          "user_id": "helper-1@211204102200",
          "assigned_on": "2026-01-10"})
class HelperCreate(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    phone: str | None = Field(default=None, pattern=r"^[0-9+\- ]{7,20}$")
    unit: str = Field(min_length=1, max_length=100)
    user_id: str | None = Field(default=None, max_length=100)
    assigned_on: CalendarDate | None = None


class HelperRead(BaseModel):
    id: uuid.UUID
    name: str
    phone: str | None
    unit: str
    user_id: str | None
    assigned_on: date
    ended_on: date | None


@example({"measure_type": "employment",
          "description": "公益岗位（护林员）",
          "amount": "6000.00",
          "given_on": "2026-04-01",
          "unit": "区人社局"})
class MeasureCreate(BaseModel):
    measure_type: MeasureType
    description: str = Field(min_length=1, max_length=500)
    amount: Money | None = None
    given_on: CalendarDate
    unit: str = Field(min_length=1, max_length=100, description="responsible unit")


class MeasureRead(MeasureCreate):
    id: uuid.UUID
    recorded_by: str
