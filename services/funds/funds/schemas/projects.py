"""The project library."""

import uuid
from datetime import date, datetime

from pydantic import Field

from backstop_common.dates import CalendarDate
from backstop_common.examples import example
from backstop_common.money import Money
from funds.enums import AssetType, Benefit, ProjectType, Stage
from funds.schemas.base import Amount, AreaCode, In, Out, Year, Yuan


@example({"name": "石门村食用菌大棚",
          "project_type": "industry",
          "area_code": "211204102200",
          "year": 2026,
          "budget": "800000.00",
          "deadline": "2026-11-30",
          "reason": "带动脱贫户增收"})
class ProjectCreate(In):
    name: str = Field(min_length=1, max_length=200)
    project_type: ProjectType
    area_code: AreaCode
    year: Year
    budget: Money
    deadline: CalendarDate | None = None
    reason: str | None = Field(default=None, max_length=500)


class ProjectRead(Out):
    id: uuid.UUID
    name: str
    project_type: str
    area_code: str
    year: int
    budget: Yuan
    deadline: date | None
    stage: str
    stage_entered_at: datetime
    notice_days: int | None
    notice_ends_at: datetime | None
    version: int


@example({"budget": "850000.00", "deadline": "2026-12-15"})
class ProjectPatch(In):
    """Changes to a project (If-Match with its version); the budget only before 入库."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    budget: Money | None = None
    deadline: CalendarDate | None = None


class AssetIn(In):
    name: str = Field(min_length=1, max_length=200)
    asset_type: AssetType
    value: Money
    owner_area_code: AreaCode


@example({"reason": "专家论证通过"})
class TransitionIn(In):
    reason: str | None = Field(default=None, max_length=500)
    to_stage: Stage | None = None       # only for the generic ``transition`` action
    assets: list[AssetIn] = []          # required at ``hand-over`` (资产移交)


@example({"household_id": "5b0a3c1e-6f1d-4c53-9e0b-2d7d8f5e4a10",
          "benefit": "dividend_share",
          "persons": 3,
          "investment": "20000.00"})
class BeneficiaryIn(In):
    household_id: uuid.UUID
    benefit: Benefit
    persons: int = Field(default=1, ge=1, le=50)
    investment: Money | None = None


class BeneficiaryRead(Out):
    id: uuid.UUID
    project_id: uuid.UUID
    household_id: uuid.UUID
    benefit: str
    persons: int
    investment: Yuan | None


@example({"household_id": "5b0a3c1e-6f1d-4c53-9e0b-2d7d8f5e4a10",
          "year": 2026,
          "amount": "1500.00",
          "paid_on": "2026-12-20"})
class DividendIn(In):
    household_id: uuid.UUID
    year: Year
    amount: Amount
    paid_on: CalendarDate | None = None


class DividendRead(Out):
    id: uuid.UUID
    project_id: uuid.UUID
    household_id: uuid.UUID
    year: int
    amount: Yuan
    required: Yuan
    year_total: Yuan
    meets_required_return: bool
    paid_on: date
