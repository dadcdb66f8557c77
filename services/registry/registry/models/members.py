"""Household members (家庭成员): identity, schooling, health, labour, employment, insurance."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from backstop_common.columns import created, timestamp
from backstop_common.money import money_field


class Member(SQLModel, table=True):
    """One person; an ID number belongs to at most one current member anywhere in the registry."""

    __tablename__ = "members"
    __table_args__ = (
        Index("ux_members_id_number_current", "id_number", unique=True,
              postgresql_where=text("removed_on IS NULL")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="households.id", index=True)
    person_number: str | None = Field(default=None, max_length=20)  # 人编号
    name: str
    name_pinyin: str = ""  # "zhangsan", normalised at write time for search
    name_initials: str = ""  # "zs"
    id_number: str = Field(max_length=18)
    relation: str  # 与户主关系: 户主, 配偶, 之子 ...
    is_head: bool = False
    sex: str  # male / female
    birth_date: date
    ethnicity: str | None = None
    phone: str | None = None
    education: str | None = None  # 文化程度 (adults)
    schooling_stage: str | None = None  # preschool / primary / junior / senior / vocational / college (专科) / university
    schooling_status: str | None = None  # enrolled / dropped_out / graduated; null: not a pupil
    boarding: bool = False
    health: str = "healthy"  # healthy / chronic / major_illness
    illness: str | None = None  # named illness; never leaves the registry
    disability_grade: int = 0  # 0 none, 1–4
    labour_capacity: str = "full"  # full / partial / none
    employment: str = "none"  # local / migrant / public_welfare / none
    migrant_months: int | None = None
    medical_insurance: bool = True
    pension: str = "none"  # 基本养老保险: none / contributing (参保缴费) / receiving (领取养老金)
    pension_monthly: Decimal | None = money_field(nullable=True)  # 养老金月领取额, while receiving
    medical_out_of_pocket: Decimal | None = money_field(nullable=True)
    medical_cost_year: int | None = None
    removed_on: date | None = None
    removed_reason: str | None = None  # death / marriage_out / migration / other
    version: int = 1
    created_at: datetime | None = created()
    updated_at: datetime | None = timestamp()
