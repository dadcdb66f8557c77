"""Department feed records and the answer a department gets back."""

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from backstop_common.dates import CalendarDate
from backstop_common.money import Money
from registry.vocab import Employment, Health, HousingGrade, Pension, SchoolingStage, SchoolingStatus

IdNumber = Field(min_length=1, max_length=30)


class HealthInsuranceRecord(BaseModel):
    """医保: a person's yearly compliant out-of-pocket medical cost (合规自付), enrolment, diagnosis class."""

    id_number: str = IdNumber
    year: int = Field(ge=2014, le=2100)
    medical_out_of_pocket: Money
    insured: bool | None = None
    health: Health | None = None


class CivilAffairsRecord(BaseModel):
    """民政: whether the person's household receives 低保 / 特困供养."""

    id_number: str = IdNumber
    dibao: bool
    tekun: bool = False


class EducationRecord(BaseModel):
    """教育: a pupil's stage and status (控辍保学)."""

    id_number: str = IdNumber
    stage: SchoolingStage
    status: SchoolingStatus
    boarding: bool = False


class HousingRecord(BaseModel):
    """住建: a housing safety appraisal of the household of the person named (usually the head)."""

    id_number: str = IdNumber
    grade: HousingGrade
    assessed_on: CalendarDate
    note: str | None = Field(default=None, max_length=500)


class PublicSecurityRecord(BaseModel):
    """公安 (户籍): a death, or a household registration moved out of the county (迁出本县)."""

    id_number: str = IdNumber
    event: Literal["death", "moved_out"]
    effective_on: CalendarDate


class HumanResourcesRecord(BaseModel):
    """人社: a person's employment now (就业登记 / 失业登记): a job lost or found; and their basic
    pension insurance (城乡居民基本养老保险, seed 004): paying in, or drawing a pension of so much a month."""

    id_number: str = IdNumber
    employment: Employment | None = None
    pension: Pension | None = None
    pension_monthly: Money | None = Field(default=None, description="养老金月领取额; only with pension receiving")

    @model_validator(mode="after")
    def says_something(self):
        if self.employment is None and self.pension is None:
            raise ValueError("a human-resources record gives employment, pension or both")
        if self.pension_monthly is not None and self.pension != "receiving":
            raise ValueError("pension_monthly is given only with pension receiving")
        return self


class DisabledFederationRecord(BaseModel):
    """残联: a person's certified disability grade (残疾人证; 0 none, 1–4)."""

    id_number: str = IdNumber
    disability_grade: int = Field(ge=0, le=4)


class WaterRecord(BaseModel):
    """水利: a drinking-water safety assessment of the household of the person named (usually the head)."""

    id_number: str = IdNumber
    safe_water: bool
    assessed_on: CalendarDate
    note: str | None = Field(default=None, max_length=500)


FEEDS = {"health_insurance": HealthInsuranceRecord, "civil_affairs": CivilAffairsRecord,
         "education": EducationRecord, "housing": HousingRecord, "public_security": PublicSecurityRecord,
         "human_resources": HumanResourcesRecord, "disabled_federation": DisabledFederationRecord,
         "water": WaterRecord}


class FeedUnmatched(BaseModel):
    index: int
    id_number: str | None
    reason: str


class FeedResult(BaseModel):
    department: str
    received: int
    matched: int = 0
    changed: int = 0
    unmatched: list[FeedUnmatched] = []
