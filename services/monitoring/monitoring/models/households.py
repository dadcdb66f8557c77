"""Monitoring's read model of registry households (fed only by ``registry.household`` events)."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, Index
from sqlmodel import Field, SQLModel

from backstop_common.columns import created, jsonb, timestamp
from backstop_common.money import money_field


class HouseholdFacts(SQLModel, table=True):
    """The facts about one household (户) that the monitoring rules read."""

    __tablename__ = "household_facts"
    __table_args__ = (
        Index("ix_household_facts_village_pattern", "village_code",
              postgresql_ops={"village_code": "text_pattern_ops"}),
    )

    household_id: uuid.UUID = Field(primary_key=True)
    village_code: str
    poverty_status: str | None = None
    year_lifted: int | None = None
    dibao: bool = False
    tekun: bool = False
    size: int | None = None
    labour_capable_members: int | None = None
    per_capita_income: Decimal | None = money_field(nullable=True)
    previous_per_capita_income: Decimal | None = money_field(nullable=True)
    income_year: int | None = None
    #: since when the latest income has been at or above the line in force (for risk elimination)
    income_above_since: datetime | None = timestamp()
    housing_grade: str | None = None
    safe_water: bool | None = None
    food_secure: bool | None = None  # 不愁吃 (两不愁); null: never told
    clothing_secure: bool | None = None  # 不愁穿
    relocated: bool = False  # 易地搬迁户 (seed 002)
    #: the kinds of assistance the registry reports given (household.measure_given), e.g. employment
    measures_given: list = jsonb(list)
    dropout_members: int = 0
    uninsured_members: int = 0
    major_illness_members: int = 0
    disabled_members: int = 0
    severe_disabled_members: int = 0  # grade 1 or 2 (重度): a key visit target (seed 004)
    #: yearly compliant self-paid medical cost of the household (sum over members, latest year)
    medical_out_of_pocket: Decimal | None = money_field(nullable=True)
    main_cause: str | None = None
    tags: list = jsonb(list)
    helper_user_ids: list = jsonb(list)
    updated_at: datetime | None = timestamp()
    first_seen_at: datetime | None = timestamp()  # the service clock's time of its first event (key visits count from it)


class KeyVisit(SQLModel, table=True):
    """A visit (巡访) to a key household without a case (seed 004: 重点巡访对象…每季度至少探访一次，一人一档)."""

    __tablename__ = "key_visits"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    visited_on: date
    visitor_user_id: str
    findings: str
    occurred_at: datetime | None = timestamp()  # when it happened, as the (perhaps offline) phone recorded it
    created_at: datetime = created()  # when it arrived


class KeyVisitMiss(SQLModel, table=True):
    """A key household's missed quarter, recorded and announced once per due date."""

    __tablename__ = "key_visit_misses"

    household_id: uuid.UUID = Field(primary_key=True)
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), primary_key=True))
    recorded_at: datetime = timestamp(nullable=False)


class MemberFacts(SQLModel, table=True):
    """What monitoring remembers of one member, to turn member events into household counts."""

    __tablename__ = "member_facts"

    member_id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    health: str | None = None
    disability_grade: int | None = None
    medical_out_of_pocket: Decimal | None = money_field(nullable=True)
    medical_year: int | None = None
    schooling_status: str | None = None
    insured: bool | None = None
    employment: str | None = None
    removed: bool = False
