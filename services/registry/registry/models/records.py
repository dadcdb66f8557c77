"""What happens to a household over time: income, housing, water, disasters, helpers, measures."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from backstop_common.columns import created
from backstop_common.money import money_field


class IncomeAssessment(SQLModel, table=True):
    """A yearly income assessment (收入核算); per-capita net income is computed, never typed."""

    __tablename__ = "income_assessments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="households.id", index=True)
    year: int
    wage: Decimal = money_field()  # 工资性收入
    business: Decimal = money_field()  # 生产经营性收入
    business_costs: Decimal = money_field()  # 生产经营性支出
    property: Decimal = money_field()  # 财产性收入
    transfer: Decimal = money_field()  # 转移性收入
    net_income: Decimal = money_field()
    size: int
    per_capita_income: Decimal = money_field()
    assessed_by: str
    created_at: datetime | None = created()


class HousingAssessment(SQLModel, table=True):
    """A housing safety appraisal (住房安全鉴定), grade A–D."""

    __tablename__ = "housing_assessments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="households.id", index=True)
    grade: str
    assessed_on: date
    note: str | None = None
    source: str = "registry"  # registry / feed:housing
    assessed_by: str
    created_at: datetime | None = created()


class WaterAssessment(SQLModel, table=True):
    """A drinking-water safety check (饮水安全)."""

    __tablename__ = "water_assessments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="households.id", index=True)
    safe_water: bool
    assessed_on: date
    note: str | None = None
    assessed_by: str
    created_at: datetime | None = created()


class Disaster(SQLModel, table=True):
    """A disaster that hit the household (受灾), typed by the national risk code 0201–0299."""

    __tablename__ = "disasters"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="households.id", index=True)
    disaster_type: str
    loss_amount: Decimal = money_field()
    occurred_on: date
    description: str | None = None
    reported_by: str
    created_at: datetime | None = created()


class Helper(SQLModel, table=True):
    """A paired helper (帮扶责任人) of one household."""

    __tablename__ = "helpers"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="households.id", index=True)
    name: str
    phone: str | None = None
    unit: str  # 帮扶单位
    user_id: str | None = None  # the county directory's id, when the helper has an account
    assigned_on: date
    ended_on: date | None = None
    created_at: datetime | None = created()


class Measure(SQLModel, table=True):
    """An assistance measure actually given (帮扶措施)."""

    __tablename__ = "measures"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="households.id", index=True)
    measure_type: str  # industry / employment / education / health / housing / dibao / finance / other
    description: str
    amount: Decimal | None = money_field(nullable=True)
    given_on: date
    unit: str  # responsible unit
    recorded_by: str
    created_at: datetime | None = created()
