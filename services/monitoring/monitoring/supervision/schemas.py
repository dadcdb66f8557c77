"""API shapes of supervision. Public inputs are bounded; public answers carry no personal data."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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


class PublicReportIn(BaseModel):
    """What anyone may report (匿名举报), without an account: no name is asked."""

    model_config = ConfigDict(extra="forbid")

    category: Code
    area_code: AreaCode
    text: Text
    phone: Phone | None = Field(None, description="留下电话以便回复（加密保存，仅办理单位可见）")
    accused_level: Level | None = Field(None, description="被反映人所在层级（村/乡镇/县）")
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=3)


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


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    from_status: str | None
    to_status: str
    actor_user_id: str | None
    actor_role: str | None
    note: str | None
    at: datetime


class ReportDetail(ReportOut):
    text: str
    #: the reporter's phone: shown to the handling unit, the hotline and the county, masked otherwise
    phone: str | None = None
    attachments: list[dict] = Field(default_factory=list)
    steps: list[StepOut] = Field(default_factory=list)


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


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: Phone
    area_code: AreaCode = Field(description="所在村（社区）的12位区划代码")


class CodeSent(BaseModel):
    message: str
    expires_in_s: int


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
