"""The read model of registry and monitoring facts funds checks payments against (never their tables)."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from backstop_common.columns import created, jsonb
from backstop_common.money import money_field


class HouseholdFact(SQLModel, table=True):
    """A household as the registry's events describe it; ``registered`` once any registry event arrived."""

    __tablename__ = "households"

    id: uuid.UUID = Field(primary_key=True)
    village_code: str | None = Field(default=None, index=True)
    registered: bool = False
    poverty_status: str | None = None
    dibao: bool = False
    tekun: bool = False
    housing_grade: str | None = None
    monitored: bool = False           # 监测对象 (from monitoring.case)
    case_id: uuid.UUID | None = None
    category: str | None = None
    gaps: list = jsonb(list)
    # the five items of seed 001 (致贫原因、属性、帮扶措施、帮扶责任人、帮扶资金), beside status and category
    main_cause: str | None = None       # 致贫原因 (household.registered / updated)
    helper_ids: list = jsonb(list)      # 帮扶责任人: helper ids of household.helper_assigned
    helper_user_ids: list = jsonb(list)  # … and the accounts household.registered lists
    measure_types: list = jsonb(list)   # 帮扶措施: household.measure_given and case.assistance_planned
    updated_at: datetime | None = created()


class MemberFact(SQLModel, table=True):
    """A household member: present, deceased (member.removed reason=death) or left."""

    __tablename__ = "members"

    id: uuid.UUID = Field(primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    status: str = "present"
    removed_on: date | None = None
    schooling_stage: str | None = None
    schooling_status: str | None = None
    boarding: bool = False
    health: str | None = None
    medical_out_of_pocket: Decimal | None = money_field(nullable=True, default=None)
    medical_year: int | None = None
    medical_insurance: bool | None = None   # 参保: basic medical insurance (member.insurance_changed)
    updated_at: datetime | None = created()
