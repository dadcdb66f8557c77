"""API shapes of the monitoring service."""

import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from backstop_common.dates import CalendarDate
from backstop_common.examples import example
from backstop_common.i18n import msg
from backstop_common.money import Money
from monitoring.vocab import RISK_TYPES


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    return value


def _clean_facts(value: dict) -> dict:
    """Free-form facts of a reported signal: JSON without NUL characters, kept small."""
    try:
        raw = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise ValueError("facts must be plain JSON (no NaN or Infinity)") from None
    if "\\u0000" in raw or "\x00" in raw:
        raise ValueError("facts must not contain NUL characters")
    if len(raw) > 4000:
        raise ValueError("facts are limited to 4,000 characters of JSON")
    return value


def Text(max_length: int, min_length: int = 0):  # noqa: N802  (a type factory)
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_no_nul)]


Share = Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4)]
Days = Annotated[int, Field(ge=0, le=3650)]


@example({"income_line": "7000.00",
          "income_drop_share": "0.5",
          "medical_oop_threshold": "10000.00",
          "medical_oop_income_share": "0.5",
          "disaster_loss_threshold": "10000.00",
          "verify_days": 3,
          "post_notice_days": 2,
          "notice_days": 5,
          "review_days": 3,
          "confirm_days": 2,
          "decision_days": 15,
          "plan_days": 15,
          "visit_interval_days": 30,
          "stable_months": 6,
          "dibao_line": "6000.00",
          "dibao_phaseout_months": 6,
          "cluster_threshold": "0.3",
          "cluster_window_days": 30,
          "cluster_min_households": 5})
class PolicyValues(BaseModel):
    """Every value of a policy row; a PUT sends them all (GET the effective row, change, PUT)."""

    model_config = ConfigDict(extra="forbid")

    income_line: Money
    income_drop_share: Share
    medical_oop_threshold: Money
    medical_oop_income_share: Share
    disaster_loss_threshold: Money
    verify_days: Days
    post_notice_days: Days
    notice_days: Annotated[int, Field(ge=5, le=3650, description="村内公示: at least 5 days")]
    review_days: Days
    confirm_days: Days
    decision_days: Annotated[int, Field(ge=1, le=3650)]
    plan_days: Annotated[int, Field(ge=1, le=3650)]
    visit_interval_days: Annotated[int, Field(ge=1, le=366)]
    stable_months: Annotated[int, Field(ge=0, le=120)]
    dibao_line: Annotated[Money | None, Field(description="低保 line: a household under it and not on "
                                                          "低保 is recommended to civil affairs; null: none")] = None
    dibao_phaseout_months: Annotated[int, Field(ge=0, le=12, description="低保渐退, at most 12 months "
                                                                          "(seed 000)")] = 12
    cluster_threshold: Annotated[Decimal, Field(gt=0, le=1, max_digits=6, decimal_places=4)]
    cluster_window_days: Annotated[int, Field(ge=1, le=3650)]
    cluster_min_households: Annotated[int, Field(ge=1, le=100_000)]

    @model_validator(mode="after")
    def steps_fit_decision(self):
        steps = self.verify_days + self.post_notice_days + self.notice_days + self.review_days + self.confirm_days
        if steps > self.decision_days:
            raise ValueError(msg("the identification steps take {steps} days, more than decision_days {days} "
                                 "(signal to decision)", steps=steps, days=self.decision_days))
        return self


class PolicyRead(PolicyValues):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    year: int
    area_code: str
    version: int
    updated_by: str | None
    updated_at: datetime


class RescreenRead(BaseModel):
    households_below_line: int
    signals_opened: int
    cases_opened: int
    cases_joined: int
    cluster_alerts: int
    dibao_recommended: int = Field(0, description="households now under the 低保 line and not on 低保, "
                                                 "recommended to civil affairs (dibao.recommended)")
    counties: int = Field(0, description="a row above a county: the counties re-screened, each in a transaction "
                                         "of its own (the figures above are theirs, added up)")


class PolicyPutResult(BaseModel):
    policy: PolicyRead
    rescreen: RescreenRead


@example({"household_id": "5b0a3c1e-6f1d-4c53-9e0b-2d7d8f5e4a10",
          "risk_type": "01",
          "source": "visit",
          "reference": "PC-2026-0042",
          "note": "户主确诊尿毒症，需长期透析"})
class SignalIn(BaseModel):
    """A signal from a household's application (农户申报), a cadre's visit (干部排查) or a department."""

    model_config = ConfigDict(extra="forbid")

    household_id: uuid.UUID
    risk_type: str
    source: Literal["application", "visit", "department"]
    reference: Annotated[Text(100, 1) | None, Field(description="the application/visit number; "
                                                    "the same reference twice is the same signal")] = None
    note: Text(1000) | None = None
    facts: Annotated[dict[str, Any], AfterValidator(_clean_facts)] = {}

    @field_validator("risk_type")
    @classmethod
    def known_risk_type(cls, value: str) -> str:
        if value not in RISK_TYPES:
            raise ValueError(msg("unknown risk type; one of {types}", types=", ".join(sorted(RISK_TYPES))))
        return value


class SignalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    household_id: uuid.UUID
    village_code: str
    risk_type: str
    rule: str
    facts: dict
    source: str
    case_id: uuid.UUID | None
    actor_user_id: str | None
    created_at: datetime


class SignalResult(BaseModel):
    signal: SignalRead
    duplicate: bool


class MeasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    measure_type: str
    responsible_unit: Text(200, 1)
    helper_user_id: Text(100, 1) | None = None
    due_on: CalendarDate | None = None


@example({"note": "入户核实，农户签字授权"})
class ActionBody(BaseModel):
    """The body of ``POST /cases/{id}/{action}``; which fields an action needs is in docs/monitoring.md."""

    model_config = ConfigDict(extra="forbid")

    note: Text(2000) | None = None
    reason: Text(2000) | None = None
    measures: Annotated[list[MeasureIn] | None, Field(max_length=50)] = None
    visited_on: CalendarDate | None = None
    findings: Text(4000) | None = None
    occurred_at: AwareDatetime | None = Field(default=None, description=(
        "visit: when it happened, with its time zone, if recorded offline (visited_on is then its day)"))
    method: Literal["assistance", "natural"] | None = None


@example({"visited_on": "2026-09-15", "findings": "低保按时发放，生活稳定"})
class KeyVisitIn(BaseModel):
    """A visit to a key household without a case (重点巡访)."""

    model_config = ConfigDict(extra="forbid")

    visited_on: CalendarDate | None = Field(default=None, description="the visit's day (occurred_at's if left out)")
    occurred_at: AwareDatetime | None = Field(default=None, description=(
        "when it happened, with its time zone, if recorded offline"))
    findings: Text(4000, 1)


class CaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    household_id: uuid.UUID
    village_code: str
    stage: str
    category: str | None
    risk_types: list[str]
    gaps: list[str]
    source: str
    opened_at: datetime
    decision_due_at: datetime | None
    due_step: str | None
    due_at: datetime | None
    notice_ends_at: datetime | None
    elimination_notice_ends_at: datetime | None = None
    confirmed_at: datetime | None
    plan_due_at: datetime | None
    instant_help_at: datetime | None = None
    next_visit_due: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    version: int
    overdue: bool = False
    decision_overdue: bool = False  # past decision_due_at (15 days from the first signal) while identifying


class StatusStepRead(BaseModel):
    """A step of a problem's or a report's history (流转记录): who moved it from which status to which, when and
    why (``campaigns.ProblemStepOut``, ``supervision.ReportStepOut``)."""

    model_config = ConfigDict(from_attributes=True)

    action: str
    from_status: str | None
    to_status: str
    actor_user_id: str | None
    actor_role: str | None
    note: str | None
    at: datetime


class StepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    from_stage: str | None
    to_stage: str
    actor_user_id: str | None
    actor_role: str | None
    note: str | None
    data: dict
    at: datetime


class MeasureRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    measure_type: str
    responsible_unit: str
    helper_user_id: str | None
    due_at: datetime | None
    status: str
    done_at: datetime | None


class VisitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    visited_on: date
    visitor_user_id: str
    findings: str
    occurred_at: datetime | None = None  # when it happened (sent by an offline phone)
    recorded_at: datetime | None = Field(default=None, validation_alias="created_at")  # when it arrived


class VisitRow(VisitRead):
    """A visit in a phone's offline list, with the case it belongs to."""

    case_id: uuid.UUID


class MeasureRow(MeasureRead):
    """A measure of a case's plan (帮扶计划) in a phone's offline list."""

    case_id: uuid.UUID
    household_id: uuid.UUID


class CaseDetail(CaseRead):
    #: what the caller's role may do next in this stage (the console offers these as forms)
    actions: list[str] = []
    history: list[StepRead] = []
    signals: list[SignalRead] = []
    measures: list[MeasureRead] = []
    visits: list[VisitRead] = []


class HouseholdFactsRead(BaseModel):
    """What monitoring knows of a household (户), from the registry's events."""

    model_config = ConfigDict(from_attributes=True)

    household_id: uuid.UUID
    village_code: str
    poverty_status: str | None = None
    year_lifted: int | None = None
    dibao: bool = False
    tekun: bool = False
    size: int | None = None
    labour_capable_members: int | None = None
    per_capita_income: Decimal | None = None
    previous_per_capita_income: Decimal | None = None
    income_year: int | None = None
    income_above_since: datetime | None = None
    housing_grade: str | None = None
    safe_water: bool | None = None
    food_secure: bool | None = None
    clothing_secure: bool | None = None
    relocated: bool = False
    measures_given: list[str] = []
    dropout_members: int = 0
    uninsured_members: int = 0
    major_illness_members: int = 0
    disabled_members: int = 0
    severe_disabled_members: int = 0
    medical_out_of_pocket: Decimal | None = None
    main_cause: str | None = None
    tags: list[str] = []
    helper_user_ids: list[str] = []
    updated_at: datetime | None = None
    first_seen_at: datetime | None = None


class KeyVisitRead(BaseModel):
    """A visit (巡访) to a key household without a case."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    household_id: uuid.UUID
    visited_on: date
    visitor_user_id: str
    findings: str
    occurred_at: datetime | None = None  # when it happened, as the (perhaps offline) phone recorded it
    created_at: datetime


class DibaoPhaseoutRead(BaseModel):
    """A running or ended 低保渐退 (phase-out) of the household's 低保."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    household_id: uuid.UUID
    village_code: str
    started_at: datetime
    ends_at: datetime
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None
    closed_at: datetime | None = None
    outcome: str | None = Field(default=None, description="left_reviewed, lapsed or due; null while running")


class HouseholdMonitoring(BaseModel):
    """One household's monitoring file: facts, every signal, every case with its history, 低保渐退, key visits."""

    facts: HouseholdFactsRead
    signals: list[SignalRead]
    cases: list[CaseDetail]
    dibao_phaseout: DibaoPhaseoutRead | None
    key_visits: list[KeyVisitRead]


class Figures(BaseModel):
    """The dashboard's counts for one area (监测统计)."""

    households: int = 0
    signals: int = 0
    cases: int = 0
    stages: dict[str, int] = {}
    monitored: int = 0
    eliminated: int = 0
    overdue: int = 0
    instant_help: int = 0
    signals_by_risk_type: dict[str, int] = {}
    open_cases_by_risk_type: dict[str, int] = {}


class AreaFigures(Figures):
    area_code: str


class Dashboard(BaseModel):
    area_code: str
    totals: Figures
    townships: list[AreaFigures]
    villages: list[AreaFigures]
    counties: list[AreaFigures] = Field([], description="a province or a city: its counties (its townships "
                                                         "and villages are then not listed)")
