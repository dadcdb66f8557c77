"""Department feed records and the answer a department gets back."""

from datetime import date

from pydantic import BaseModel, Field

from backstop_common.money import Money
from registry.domain.vocab import Health, HousingGrade, SchoolingStage, SchoolingStatus

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
    assessed_on: date
    note: str | None = Field(default=None, max_length=500)


FEEDS = {"health_insurance": HealthInsuranceRecord, "civil_affairs": CivilAffairsRecord,
         "education": EducationRecord, "housing": HousingRecord}


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
