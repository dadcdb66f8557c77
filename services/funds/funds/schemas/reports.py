"""What the funds' reports and lists built by hand answer (支出进度, 五项落实, 资金轨迹, 公示), typed for clients.

Amounts are decimal strings to the fen, as everywhere in the funds API; the trails keep every column of their
records (``extra="allow"``) beyond the ones named here."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from funds.schemas.ledger import DisbursementRead, SubsidyRead
from funds.schemas.oversight import AnomalyRead, SuggestionRead
from funds.schemas.projects import BeneficiaryRead, DividendRead, ProjectRead

T = TypeVar("T")


class Listing(BaseModel, Generic[T]):
    """A whole list (not paged): ``items`` and how many there are."""

    items: list[T]
    total: int


class SourceTotals(BaseModel):
    """One fund source (资金来源) with what the caller's area was allocated, committed and spent of it."""

    source: str
    label: str
    allocated: Decimal
    committed: Decimal
    spent: Decimal


class StageChangeRead(BaseModel):
    """Who moved a project from one stage to the next, when and why."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    from_stage: str | None = None
    to_stage: str
    actor: str
    role: str
    reason: str | None = None
    at: datetime | None = None


class FundingRead(BaseModel):
    """An allocation's money committed to a project (资金安排): what is committed and spent of it."""

    project_id: uuid.UUID
    allocation_id: uuid.UUID
    committed: Decimal
    spent: Decimal


class Quote(BaseModel):
    """What the standard gives (补助测算): the amount, the standard's item and the basis it was computed on."""

    kind: str
    amount: Decimal
    item: str | None = None
    basis: dict[str, Any]


class ProjectPolicyRead(BaseModel):
    """The project policy in force (公示 days, the longest stay in each stage, the required return)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    year: int
    area_code: str
    area_prefix: str
    notice_days: int
    stage_days: dict[str, int]
    min_return_rate: Decimal
    investment_per_person: Decimal
    idle_days: int


class ExecutionLine(BaseModel):
    key: str
    allocated: Decimal | None = None
    committed: Decimal
    spent: Decimal
    execution_rate: Decimal | None = None


class LedgerTotals(BaseModel):
    disbursements: Decimal
    subsidies: Decimal
    returns: Decimal
    spent: Decimal


class ExecutionReport(BaseModel):
    """支出进度: by source, by area and by project type, and the ledger's totals."""

    year: int | None = None
    area_code: str | None = None
    level: str
    totals: ExecutionLine
    by_source: list[ExecutionLine]
    by_area: list[ExecutionLine]
    by_project_type: list[ExecutionLine]
    ledger: LedgerTotals


class FiveItem(BaseModel):
    in_place: bool
    value: Any


class FiveItemsRow(BaseModel):
    household_id: uuid.UUID
    items: dict[str, FiveItem]
    complete: bool


class FiveItemsReport(BaseModel):
    """五项落实 of a village: per household, cause, attribute, measures, helpers and money in place or not."""

    village_code: str
    year: int
    households: int
    complete: int
    missing: dict[str, int]
    items: list[FiveItemsRow]


class PublicSubsidy(BaseModel):
    """A subsidy paid (补助) as the public sees it: where, what, for when, how much — no household."""

    village_code: str
    kind: str
    period: str
    amount: Decimal
    paid_on: date | None = None


class SubsidyNoticeLine(PublicSubsidy):
    """A line of the village's subsidy notice (补助公示): the public line and whose it is."""

    household_id: uuid.UUID


class ProjectOnNotice(BaseModel):
    """A project as a notice shows it (项目公示): what, where, which year, its budget and stage."""

    name: str
    project_type: str
    area_code: str
    year: int
    budget: Decimal
    stage: str
    notice_ends_at: datetime | None = None


class ProjectNoticeLine(ProjectOnNotice):
    project_id: uuid.UUID
    beneficiary_households: int


class PublicAllocation(BaseModel):
    source: str
    amount: Decimal
    spent: Decimal


class PublicProject(ProjectOnNotice):
    deadline: date | None = None


class SubsidyCount(BaseModel):
    count: int
    amount: Decimal


class PublicFunds(BaseModel):
    """惠民惠农资金公开 of an area: allocations by source, projects from their 公示 on, subsidies (no names)."""

    area_code: str
    allocations: list[PublicAllocation]
    projects: list[PublicProject]
    subsidies: list[PublicSubsidy]
    subsidies_total: SubsidyCount


class _AllColumns(BaseModel):
    model_config = ConfigDict(extra="allow")


class TrailSubsidy(_AllColumns, SubsidyRead):
    pass


class TrailProjectBeneficiary(_AllColumns, BeneficiaryRead):
    pass


class TrailBeneficiary(TrailProjectBeneficiary):
    project_name: str
    project_type: str
    stage: str


class TrailDividend(_AllColumns, DividendRead):
    pass


class TrailSuggestion(_AllColumns, SuggestionRead):
    pass


class TrailAnomaly(_AllColumns, AnomalyRead):
    pass


class TrailHousehold(_AllColumns):
    id: uuid.UUID
    village_code: str | None = None
    poverty_status: str | None = None
    monitored: bool = False


class HouseholdTrail(BaseModel):
    """户资金轨迹: every yuan that reached the household, and what was suggested or found wrong."""

    household: TrailHousehold
    subsidies: list[TrailSubsidy]
    projects: list[TrailBeneficiary]
    dividends: list[TrailDividend]
    suggestions: list[TrailSuggestion]
    anomalies: list[TrailAnomaly]
    total_received: Decimal


class TrailProject(_AllColumns, ProjectRead):
    pass


class TrailFunding(BaseModel):
    allocation_id: uuid.UUID
    source: str
    year: int
    purpose: str
    allocation_area: str
    committed: Decimal
    spent: Decimal


class TrailDisbursement(_AllColumns, DisbursementRead):
    pass


class TrailAsset(_AllColumns):
    id: uuid.UUID
    project_id: uuid.UUID
    name: str
    asset_type: str
    value: Decimal
    owner_area_code: str


class ProjectTotals(BaseModel):
    disbursed: Decimal
    assets: Decimal


class ProjectTrail(BaseModel):
    """项目资金轨迹: the project's money from allocation to payment, its beneficiaries and assets."""

    project: TrailProject
    stages: list[StageChangeRead]
    fundings: list[TrailFunding]
    disbursements: list[TrailDisbursement]
    beneficiaries: list[TrailProjectBeneficiary]
    dividends: list[TrailDividend]
    assets: list[TrailAsset]
    anomalies: list[TrailAnomaly]
    totals: ProjectTotals
