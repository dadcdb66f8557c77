"""The project library."""

import uuid
from datetime import date, datetime

from pydantic import Field

from backstop_common.dates import CalendarDate
from backstop_common.money import Money
from funds.enums import AssetType, Benefit, ProjectType, Stage
from funds.schemas.base import Amount, AreaCode, In, Out, Year, Yuan


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


class TransitionIn(In):
    reason: str | None = Field(default=None, max_length=500)
    to_stage: Stage | None = None       # only for the generic ``transition`` action
    assets: list[AssetIn] = []          # required at ``hand-over`` (资产移交)


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
