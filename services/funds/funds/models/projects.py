"""The project library (项目库): projects, their stage history, beneficiaries, dividends and assets."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from backstop_common.columns import created, timestamp
from backstop_common.money import money_field
from funds.enums import AssetType, Benefit, ProjectType, Stage, check_in
from funds.models.columns import uid


class Project(SQLModel, table=True):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(check_in("stage", Stage), name="project_stage"),
        CheckConstraint(check_in("project_type", ProjectType), name="project_type"),
        CheckConstraint("budget >= 0", name="project_budget_non_negative"),
    )

    id: uuid.UUID = uid()
    name: str
    project_type: str
    area_code: str = Field(index=True)
    year: int
    budget: Decimal = money_field()
    deadline: date | None = None          # money must be spent and the work done by then
    stage: str = Stage.DECLARED.value
    stage_entered_at: datetime | None = created()
    notice_days: int | None = None        # the policy's 公示 days, fixed when the notice is posted
    notice_ends_at: datetime | None = timestamp()
    created_by: str
    created_at: datetime | None = created()
    version: int = 1


class StageChange(SQLModel, table=True):
    """Who moved a project from one stage to the next, when and why."""

    __tablename__ = "project_stage_changes"

    id: uuid.UUID = uid()
    project_id: uuid.UUID = Field(foreign_key="projects.id", index=True)
    from_stage: str | None = None
    to_stage: str
    actor: str
    role: str
    reason: str | None = None
    at: datetime | None = created()


class Beneficiary(SQLModel, table=True):
    """A household a project benefits, and how (联农带农)."""

    __tablename__ = "project_beneficiaries"
    __table_args__ = (
        UniqueConstraint("project_id", "household_id", "benefit"),
        CheckConstraint(check_in("benefit", Benefit), name="beneficiary_benefit"),
        CheckConstraint("persons >= 1", name="beneficiary_persons"),
    )

    id: uuid.UUID = uid()
    project_id: uuid.UUID = Field(foreign_key="projects.id", index=True)
    household_id: uuid.UUID = Field(index=True)
    benefit: str
    persons: int = 1
    investment: Decimal | None = money_field(nullable=True, default=None)  # invested on their behalf
    created_at: datetime | None = created()


class Dividend(SQLModel, table=True):
    """A dividend paid to a beneficiary household, checked against the required return."""

    __tablename__ = "project_dividends"
    __table_args__ = (CheckConstraint("amount > 0", name="dividend_amount_positive"),)

    id: uuid.UUID = uid()
    project_id: uuid.UUID = Field(foreign_key="projects.id", index=True)
    household_id: uuid.UUID = Field(index=True)
    year: int
    amount: Decimal = money_field()
    required: Decimal = money_field()       # the year's required return on the household's investment
    year_total: Decimal = money_field()     # paid this year incl. this one
    meets_required_return: bool
    paid_on: date
    created_at: datetime | None = created()


class Asset(SQLModel, table=True):
    """An asset formed by a project and handed over at 资产移交."""

    __tablename__ = "project_assets"
    __table_args__ = (
        CheckConstraint(check_in("asset_type", AssetType), name="asset_type"),
        CheckConstraint("value >= 0", name="asset_value_non_negative"),
    )

    id: uuid.UUID = uid()
    project_id: uuid.UUID = Field(foreign_key="projects.id", index=True)
    name: str
    asset_type: str
    value: Decimal = money_field()
    owner_area_code: str
    handed_over_at: datetime | None = created()
