"""Funds API shapes. Amounts are decimals to the fen; negative or non-decimal amounts are refused."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from backstop_common.money import Money, to_fen
from funds.enums import AssetType, Benefit, ProjectType, Source, Stage, SubsidyKind

Amount = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
AreaCode = Annotated[str, Field(pattern=r"^[0-9]{12}$")]
Year = Annotated[int, Field(ge=2000, le=2100)]
#: money as it leaves the service: a decimal string to the fen ("0.00", never 0 or a float)
Yuan = Annotated[Decimal, PlainSerializer(lambda v: str(to_fen(v)), return_type=str, when_used="json")]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AllocationCreate(In):
    source: Source
    year: Year
    purpose: str = Field(min_length=1, max_length=200)
    amount: Amount
    area_code: AreaCode
    document_no: str | None = Field(default=None, max_length=100)


class AllocationRead(Out):
    id: uuid.UUID
    source: str
    year: int
    purpose: str
    area_code: str
    amount: Yuan
    committed: Yuan
    spent: Yuan
    document_no: str | None
    created_at: datetime
    version: int


class ProjectCreate(In):
    name: str = Field(min_length=1, max_length=200)
    project_type: ProjectType
    area_code: AreaCode
    year: Year
    budget: Money
    deadline: date | None = None
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


class AssetIn(In):
    name: str = Field(min_length=1, max_length=200)
    asset_type: AssetType
    value: Money
    owner_area_code: AreaCode


class TransitionIn(In):
    reason: str | None = Field(default=None, max_length=500)
    to_stage: Stage | None = None       # only for the generic ``transition`` action
    assets: list[AssetIn] = []          # required at ``hand-over`` (资产移交)


class FundingIn(In):
    allocation_id: uuid.UUID
    amount: Amount


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
    paid_on: date | None = None


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


class DisbursementIn(In):
    project_id: uuid.UUID
    allocation_id: uuid.UUID
    amount: Amount
    paid_on: date | None = None
    note: str | None = Field(default=None, max_length=500)


class DisbursementRead(Out):
    id: uuid.UUID
    project_id: uuid.UUID
    allocation_id: uuid.UUID
    amount: Yuan
    paid_on: date


class SubsidyIn(In):
    """No amount: it is computed from the standard for the household's area and the period's year."""

    kind: SubsidyKind
    household_id: uuid.UUID
    member_id: uuid.UUID | None = None
    period: str = Field(pattern=r"^[0-9]{4}([-/][0-9A-Za-z]{1,10})?$")
    allocation_id: uuid.UUID
    paid_on: date | None = None


class SubsidyRead(Out):
    id: uuid.UUID
    kind: str
    household_id: uuid.UUID
    member_id: uuid.UUID | None
    village_code: str
    period: str
    year: int
    amount: Yuan
    allocation_id: uuid.UUID
    basis: dict
    paid_on: date


class StandardIn(In):
    year: Year
    area_code: AreaCode
    kind: SubsidyKind
    item: str = Field(min_length=1, max_length=40)
    amount: Money | None = None
    rate: Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)] | None = None
    threshold: Money | None = None
    cap: Money | None = None


class StandardRead(Out):
    id: uuid.UUID
    year: int
    area_code: str
    kind: str
    item: str
    amount: Yuan | None
    rate: Decimal | None
    threshold: Yuan | None
    cap: Yuan | None


class AnomalyRead(Out):
    id: uuid.UUID
    kind: str
    area_code: str
    household_id: uuid.UUID | None
    member_id: uuid.UUID | None
    project_id: uuid.UUID | None
    payment_id: uuid.UUID | None
    allocation_id: uuid.UUID | None
    amount: Yuan | None
    detail: str
    detected_at: datetime


class SuggestionRead(Out):
    id: uuid.UUID
    household_id: uuid.UUID
    village_code: str
    member_id: uuid.UUID | None
    kind: str
    period: str
    amount: Yuan
    basis: dict
    case_id: uuid.UUID | None
    status: str


class ProjectPatch(In):
    """Changes to a project (If-Match with its version); the budget only before 入库."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    budget: Money | None = None
    deadline: date | None = None
