"""API shapes of campaigns, problems, answers, targets and boards."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backstop_common.dates import CalendarDate
from backstop_common.examples import example
from backstop_common.money import Money
from backstop_events.monitoring import CampaignTerms
from monitoring.schemas import StatusStepRead


@example({"code": "housing_safe",
          "title": "住房是否安全",
          "kind": "question",
          "subject": "household",
          "responsible_unit": "housing",
          "category": "housing"})
class CheckIn(BaseModel):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.\-]+$")
    title: str = Field(min_length=1, max_length=500)
    kind: Literal["data", "question"]
    fact: str | None = None
    threshold: Money | None = None
    subject: Literal["household", "unit"] = "household"
    responsible_unit: str
    category: str | None = None


class CheckOut(CheckIn):
    model_config = ConfigDict(from_attributes=True)
    created_by: str | None = None


@example({"name": "2027年防返贫集中排查",
          "area_code": "211204000000",
          "investigation_due": "2027-10-31T18:00:00+08:00",
          "rectification_due": "2027-12-31T18:00:00+08:00",
          "checks": ["housing_safe"]})
class CampaignIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    area_code: str = Field(pattern=r"^\d{12}$")
    investigation_due: datetime
    rectification_due: datetime
    checks: list[str]


class CampaignOut(CampaignTerms):
    """A campaign as the API answers it: its terms (the ``campaign.started`` event's), who made it, how often
    it ran."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    created_by: str
    created_at: datetime
    runs: int
    last_run_at: datetime | None


class RunResult(BaseModel):
    campaign_id: uuid.UUID
    opened: int
    closed: int
    by_check: dict[str, dict[str, int]]


@example({"check": "housing_safe",
          "household_id": "5b0a3c1e-6f1d-4c53-9e0b-2d7d8f5e4a10",
          "passed": False,
          "note": "房屋墙体开裂，需鉴定"})
class AnswerIn(BaseModel):
    check: str
    household_id: uuid.UUID | None = None
    area_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    passed: bool
    note: str | None = Field(default=None, max_length=2000)


class AnswerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    campaign_id: uuid.UUID
    check_code: str
    subject_key: str
    household_id: uuid.UUID | None
    village_code: str
    passed: bool
    note: str | None
    answered_by: str
    answered_role: str
    answered_at: datetime
    problem_id: uuid.UUID | None = None


class ProblemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    campaign_id: uuid.UUID
    check_code: str
    title: str | None = None
    household_id: uuid.UUID | None
    subject_key: str
    village_code: str
    responsible_unit: str
    status: str
    source: str
    due_at: datetime
    opened_at: datetime
    rectified_at: datetime | None = None
    rectified_by: str | None = None
    measures_taken: str | None = None
    evidence: list = []
    verified_at: datetime | None = None
    verified_by: str | None = None
    deferred_reason: str | None = None
    closed_at: datetime | None = None
    closed_reason: str | None = None
    version: int


class ProblemStepOut(StatusStepRead):
    """A step of the problem's rectification (整改) history, with what it recorded (evidence)."""

    data: dict


class ProblemDetail(ProblemOut):
    steps: list[ProblemStepOut]
    #: what the caller may do now (``POST /problems/{id}/{action}``), from rectification's one table
    actions: list[str] = []


@example({"note": "已完成维修", "measures_taken": "危房改造，加固墙体"})
class ActionIn(BaseModel):
    """``note``: why (required to defer or reject); ``measures_taken`` + ``evidence`` to rectify."""

    note: str | None = Field(default=None, max_length=2000)
    measures_taken: str | None = Field(default=None, max_length=4000)
    evidence: list[str] = Field(default_factory=list, max_length=50)


@example({"year": 2026,
          "area_code": "211204000000",
          "measure": "employment",
          "target": 1200,
          "starts_on": "2026-01-01",
          "due_on": "2026-12-31"})
class TargetIn(BaseModel):
    year: int = Field(ge=2015, le=2100)
    area_code: str = Field(pattern=r"^\d{12}$")
    measure: str
    target: int = Field(ge=0)
    starts_on: CalendarDate | None = None
    due_on: CalendarDate | None = None


class SplitPart(BaseModel):
    area_code: str = Field(pattern=r"^\d{12}$")
    target: int = Field(ge=0)


@example({"parts": [{"area_code": "211204102000", "target": 700}, {"area_code": "211204103000", "target": 500}]})
class SplitIn(BaseModel):
    parts: list[SplitPart] = Field(min_length=1)


class TargetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    year: int
    area_code: str
    measure: str
    unit: str
    target: int
    parent_id: uuid.UUID | None
    starts_on: date
    due_on: date
    version: int


class BoardLine(TargetOut):
    done: int
    remaining: int
    expected_by_now: int
    behind_schedule: bool


class Board(BaseModel):
    area_code: str
    year: int
    as_of: date
    lines: list[BoardLine]
    behind: list[BoardLine]


class StatusFigures(BaseModel):
    count: int
    avg_age_days: float


class UnitFigures(BaseModel):
    """One responsible unit's problems (责任单位): how many, by status, overdue, rectified."""

    unit: str
    unit_name: str | None = None
    total: int
    by_status: dict[str, StatusFigures]
    overdue: int
    max_age_days: int
    rectified: int
    rectification_rate: float | None = None


class ProblemReport(BaseModel):
    """问题整改报表: the problems of the caller's area (or one campaign) and how far their rectification got."""

    scope: str
    campaign_id: uuid.UUID | None = None
    total: int
    rectified: int
    rectification_rate: float | None = None
    overdue: int
    units: list[UnitFigures]
