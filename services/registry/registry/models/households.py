"""The household (户) file: status, causes, living conditions, latest income; versioned."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from backstop_common.columns import created, timestamp
from backstop_common.money import money_field
from backstop_common.sync_schema import changed_xid
from registry.models.columns import text_list


class Household(SQLModel, table=True):
    """A registered household (建档立卡户)."""

    __tablename__ = "households"
    __table_args__ = (
        Index("ix_households_tags", "tags", postgresql_using="gin"),
        Index("ix_households_village_status", "village_code", "poverty_status"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    village_code: str = Field(foreign_key="areas.code", max_length=12)  # indexed first in the two below
    household_number: str | None = Field(default=None, unique=True, max_length=20)  # 户编号
    natural_village: str | None = None  # 自然村
    address: str | None = None
    phone: str | None = None  # 户联系电话
    poverty_status: str = "never_poor"  # never_poor / poor / lifted
    year_lifted: int | None = None
    dibao: bool = False  # 低保
    tekun: bool = False  # 特困供养
    monitoring_category: str | None = None  # unstable_lifted / marginal / sudden_hardship
    risk_eliminated: bool = False  # 风险是否消除: the national system closed the monitoring of this risk
    risk_identified_on: date | None = None  # 风险识别时间 (识别监测时间)
    risk_eliminated_on: date | None = None  # 风险消除时间 (消除监测时间)
    tags: list[str] = text_list()
    main_cause: str | None = None  # 主要致贫原因
    other_causes: list[str] = text_list()
    housing_grade: str | None = None  # A–D
    housing_assessed_on: date | None = None
    safe_water: bool | None = None
    water_assessed_on: date | None = None
    relocated: bool = False  # 易地搬迁户 (seed 002: 易地搬迁后续扶持)
    food_secure: bool = True  # 不愁吃
    clothing_secure: bool = True  # 不愁穿
    size: int = 0  # members currently in the household
    per_capita_income: Decimal | None = money_field(nullable=True)  # of the latest assessment
    income_year: int | None = None
    import_id: uuid.UUID | None = None
    version: int = 1
    created_at: datetime | None = created()
    updated_at: datetime | None = timestamp()
    changed_xid: int | None = changed_xid()  # offline sync's order (trigger-set)
