"""API shapes of supervision. Public inputs are bounded; public answers carry no personal data."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from backstop_common.examples import example
from monitoring.schemas import StatusStepRead

AreaCode = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
Phone = Annotated[str, StringConstraints(pattern=r"^1[3-9]\d{9}$")]
IdNumber = Annotated[str, StringConstraints(pattern=r"^\d{17}[\dXx]$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]
Level = Literal["village", "township", "county"]


class AttachmentIn(BaseModel):
    filename: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    data_base64: Annotated[str, StringConstraints(min_length=4, max_length=2_800_000)]


@example({"category": "funds_misuse", "area_code": "211204102200", "text": "村里的产业补贴没有发到户", "accused_level": "village"})
class PublicReportIn(BaseModel):
    """What anyone may report (匿名举报), without an account: no name is asked."""

    model_config = ConfigDict(extra="forbid")

    category: Code
    area_code: AreaCode
    text: Text
    phone: Phone | None = Field(None, description="留下电话以便回复（加密保存，仅办理单位可见）")
    accused_level: Level | None = Field(None, description="被反映人所在层级（村/乡镇/县）")
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=3)


@example({"category": "policy_not_delivered",
          "area_code": "211204102200",
          "text": "来电反映：教育补助未发放",
          "phone": "13800001234",
          "channel": "hotline"})
class ReportIn(PublicReportIn):
    """A report taken in by the hotline (12317) or the county's web form, optionally linked to records."""

    channel: Literal["hotline", "web"]
    household_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    payment_id: uuid.UUID | None = None


class Receipt(BaseModel):
    """The public's answer: a reference and what happens next (the same whatever was found)."""

    reference: uuid.UUID
    message: str


@example({"note": "已受理，转乡镇办理"})
class ReportActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note | None = None
    satisfied: bool | None = None


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: str
    category: str
    area_code: str
    handling_area: str
    conflict_of_interest: bool
    accused_level: str | None
    household_id: uuid.UUID | None
    case_id: uuid.UUID | None
    project_id: uuid.UUID | None
    payment_id: uuid.UUID | None
    status: str
    step: str
    due_at: datetime | None
    escalated_steps: list[str]
    extended: bool
    extension_reason: str | None
    answer: str | None
    satisfaction: str | None
    reopened: int
    received_at: datetime
    accepted_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    decline_reason: str | None
    version: int


class ReportStepOut(StatusStepRead):
    """A step of the report's handling (举报办理) history."""


class ReportDetail(ReportOut):
    text: str
    #: the reporter's phone: shown to the handling unit, the hotline and the county, masked otherwise
    phone: str | None = None
    attachments: list[dict] = Field(default_factory=list)
    steps: list[ReportStepOut] = Field(default_factory=list)


class PolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    scope: str
    accept_working_days: int
    handle_working_days: int
    extension_working_days: int
    verify_working_days: int
    declarations_per_phone_per_day: int
    declarations_per_id_per_day: int
    codes_per_phone_per_day: int
    public_reports_per_source_per_day: int
    version: int


@example({"accept_working_days": 3,
          "handle_working_days": 15,
          "extension_working_days": 15,
          "verify_working_days": 5,
          "declarations_per_phone_per_day": 3,
          "declarations_per_id_per_day": 3,
          "codes_per_phone_per_day": 5,
          "public_reports_per_source_per_day": 20})
class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept_working_days: int = Field(ge=1, le=30)
    handle_working_days: int = Field(ge=1, le=90)
    extension_working_days: int = Field(ge=1, le=90)
    verify_working_days: int = Field(ge=1, le=30)
    declarations_per_phone_per_day: int = Field(ge=1, le=100)
    declarations_per_id_per_day: int = Field(ge=1, le=100)
    codes_per_phone_per_day: int = Field(ge=1, le=100)
    public_reports_per_source_per_day: int = Field(ge=1, le=10000)


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    kind: str
    title: str
    risk_type: str | None
    handling_level: str


@example({"phone": "13800001234", "area_code": "211204102200"})
class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: Phone
    area_code: AreaCode = Field(description="所在村（社区）的12位区划代码")


class CodeSent(BaseModel):
    message: str
    expires_in_s: int


@example({"name": "王建国",
          "id_number": "211204197803150028",
          "phone": "13800001234",
          "code": "123456",
          "area_code": "211204102200",
          "kind": "illness",
          "text": "患重病，医疗费用高，收入骤减"})
class DeclarationIn(BaseModel):
    """A household member's own declaration (农户自主申报): no account, the phone confirmed by a code."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=30)]
    id_number: IdNumber
    phone: Phone
    code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    area_code: AreaCode = Field(description="所在村（社区）的12位区划代码")
    kind: Code
    text: Text


@example({"note": "入户核实：情况属实"})
class DeclarationActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note | None = None


class DeclarationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    text: str
    area_code: str
    declared_area: str
    household_id: uuid.UUID | None
    matched: bool
    status: str
    due_at: datetime | None
    escalated: bool
    case_id: uuid.UUID | None
    decline_reason: str | None
    visit_note: str | None
    decided_by: str | None
    decided_at: datetime | None
    received_at: datetime
    version: int


class DeclarationDetail(DeclarationOut):
    """The declarant as given: unmasked for the village and township that act on it, masked otherwise."""

    name: str | None = None
    id_number: str | None = None
    phone: str | None = None


class ReportCounts(BaseModel):
    """Counts of 12317 reports: received, declined, answered, closed, satisfied … (统计口径, seed 003)."""

    received: int = 0
    declined: int = 0
    answered: int = 0
    closed: int = 0
    satisfied: int = 0
    unsatisfied: int = 0
    overdue: int = 0
    conflict_of_interest: int = 0


class CountsLine(ReportCounts):
    """The counts of one category, township or month (the key it is grouped by is set)."""

    category: str | None = None
    title: str | None = None
    township: str | None = None
    month: str | None = None


class ReportStats(BaseModel):
    scope: str
    year: int
    totals: ReportCounts
    by_category: list[CountsLine]
    by_area: list[CountsLine]
    by_month: list[CountsLine]


class MonthlyReport(BaseModel):
    """12317 月报 (一月一调度)."""

    scope: str
    month: str
    totals: ReportCounts
    satisfaction_rate: float | None = None
    by_category: list[CountsLine]
    by_area: list[CountsLine]
