"""Policy as data: subsidy standards and project rules per year and area (docs/contract.md §3)."""

import uuid
from decimal import Decimal

from sqlalchemy import Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from backstop_common.columns import jsonb
from backstop_common.money import money_field
from funds.models.columns import uid


class SubsidyStandard(SQLModel, table=True):
    """One line of a standard: a fixed ``amount`` (housing grade, school stage) or a ``rate`` of the
    cost above ``threshold`` up to ``cap`` (medical relief). Valid from ``year`` until a later one."""

    __tablename__ = "subsidy_standards"
    __table_args__ = (UniqueConstraint("year", "area_code", "kind", "item"),)

    id: uuid.UUID = uid()
    year: int
    area_code: str
    area_prefix: str = Field(index=True)
    kind: str
    item: str
    amount: Decimal | None = money_field(nullable=True, default=None)
    rate: Decimal | None = Field(default=None, sa_column=Column(Numeric(5, 4), nullable=True))
    threshold: Decimal | None = money_field(nullable=True, default=None)
    cap: Decimal | None = money_field(nullable=True, default=None)


class ProjectPolicy(SQLModel, table=True):
    """Project rules: 公示 days, the longest a project may stay in each stage, the required return."""

    __tablename__ = "project_policies"
    __table_args__ = (UniqueConstraint("year", "area_code"),)

    id: uuid.UUID = uid()
    year: int
    area_code: str
    area_prefix: str = Field(index=True)
    notice_days: int = 10
    stage_days: dict = jsonb(dict)      # {"declared": 30, ...}; a stage missing here has no limit
    min_return_rate: Decimal = Field(default=Decimal("0.10"), sa_column=Column(Numeric(5, 4), nullable=False))
    investment_per_person: Decimal = money_field(default=Decimal("20000"))
    #: days an allocation may sit with money not yet committed before it is flagged idle (资金闲置)
    idle_days: int = 90
