"""Tables of supervision: 12317 reports (举报) and households' own risk declarations (自主申报).

Reporters' and declarants' phones, names and ID numbers are stored only encrypted (``*_enc``, Fernet);
``*_key`` columns hold a keyed hash (HMAC) so a rate limit can count them without reading them.
"""

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, text
from sqlmodel import Field, SQLModel

from backstop_common.columns import jsonb, timestamp


class SupervisionPolicy(SQLModel, table=True):
    """The flow's clocks and limits for an area (``scope`` a code prefix, ``""`` everywhere): policy data."""

    __tablename__ = "supervision_policies"

    scope: str = Field(primary_key=True)
    accept_working_days: int = 1  # 受理: accepted or declined
    handle_working_days: int = 15  # 办理: handled and answered by the assigned unit
    extension_working_days: int = 15  # one extension, with a reason
    verify_working_days: int = 3  # a village verifies a self-declaration
    declarations_per_phone_per_day: int = 3
    declarations_per_id_per_day: int = 3
    codes_per_phone_per_day: int = 5
    public_reports_per_source_per_day: int = 20
    updated_by: str | None = None
    updated_at: datetime | None = timestamp()
    version: int = 1


class SupervisionCategory(SQLModel, table=True):
    """A report category (举报类别) or a declaration kind (申报事由), with its Chinese title: policy data."""

    __tablename__ = "supervision_categories"

    code: str = Field(primary_key=True)
    kind: str = Field(primary_key=True)  # report / declaration
    title: str
    risk_type: str | None = None  # declarations: the risk code a verified declaration is recorded under
    handling_level: str = "township"  # reports: which office handles it (township / county)


class Report(SQLModel, table=True):
    """One 12317 report: where it came from, what it is about, who handles it and every deadline."""

    __tablename__ = "supervision_reports"
    __table_args__ = (
        Index("ix_supervision_reports_area", "area_code", postgresql_ops={"area_code": "text_pattern_ops"}),
        Index("ix_supervision_reports_handling", "handling_area"),
        Index("ix_supervision_reports_due_open", "due_at",
              postgresql_where=text("status IN ('received', 'assigned')")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    channel: str  # hotline / web / public
    category: str
    area_code: str
    handling_area: str  # the office that handles it (the level above from the start on a conflict)
    conflict_of_interest: bool = False
    accused_level: str | None = None  # the level of the person the report names (被反映人), if any
    household_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    payment_id: uuid.UUID | None = None
    text: str
    phone_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    source_key: str | None = Field(default=None, index=True)  # HMAC of the public caller, for the rate limit
    status: str  # received / assigned / answered / closed / declined
    step: str  # the step the deadline is for: accept / handle / callback / none
    due_at: datetime | None = timestamp()
    escalated_steps: list = jsonb(list)  # steps whose overdue was escalated (once each)
    extended: bool = False
    extension_reason: str | None = None
    answer: str | None = None
    satisfaction: str | None = None  # satisfied / unsatisfied
    reopened: int = 0
    received_at: datetime = timestamp(nullable=False)
    received_by: str | None = None
    accepted_at: datetime | None = timestamp()
    answered_at: datetime | None = timestamp()
    closed_at: datetime | None = timestamp()
    decline_reason: str | None = None
    version: int = 1
    updated_at: datetime | None = timestamp()


class ReportAttachment(SQLModel, table=True):
    """An image sent with a report (types and size bounded at intake)."""

    __tablename__ = "supervision_report_attachments"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    report_id: uuid.UUID = Field(index=True)
    filename: str
    content_type: str
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class ReportStep(SQLModel, table=True):
    """Who did what to a report, when and why."""

    __tablename__ = "supervision_report_steps"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    report_id: uuid.UUID = Field(index=True)
    action: str
    from_status: str | None = None
    to_status: str
    actor_user_id: str | None = None
    actor_role: str | None = None
    note: str | None = None
    at: datetime = timestamp(nullable=False)


class Declaration(SQLModel, table=True):
    """A household's own declaration of a risk (农户自主申报), confirmed by a one-time code to its phone."""

    __tablename__ = "supervision_declarations"
    __table_args__ = (
        Index("ix_supervision_declarations_area", "area_code", postgresql_ops={"area_code": "text_pattern_ops"}),
        Index("ix_supervision_declarations_due_open", "due_at",
              postgresql_where=text("status = 'awaiting_verification'")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str
    text: str
    area_code: str  # the household's village when matched, else the township whose queue holds it
    declared_area: str  # the village the declarant gave
    household_id: uuid.UUID | None = Field(default=None, index=True)
    matched: bool
    status: str  # awaiting_verification / verified / declined / unregistered / visited
    name_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    id_number_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    phone_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    phone_key: str = Field(index=True)
    id_key: str = Field(index=True)
    due_at: datetime | None = timestamp()
    escalated: bool = False
    case_id: uuid.UUID | None = None
    decline_reason: str | None = None
    visit_note: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = timestamp()
    received_at: datetime = timestamp(nullable=False)
    version: int = 1


class PhoneCode(SQLModel, table=True):
    """A one-time code sent to a phone: only its hash is kept; it is used once, within its minutes."""

    __tablename__ = "supervision_phone_codes"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    phone_key: str = Field(index=True)
    code_hash: str
    expires_at: datetime = timestamp(nullable=False)
    attempts: int = 0
    used_at: datetime | None = timestamp()
    created_at: datetime = timestamp(nullable=False)


class SmsRequest(SQLModel, table=True):
    """An SMS monitoring asks notifications to send (code, decline): the phone and parameters encrypted,
    both erased once notifications has taken it. ``id`` is the opaque reference both sides log."""

    __tablename__ = "supervision_sms"
    __table_args__ = (Index("ix_supervision_sms_pending", "next_attempt_at", postgresql_where=text("sent_at IS NULL")),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    template: str
    phone_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    params_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    attempts: int = 0
    next_attempt_at: datetime = timestamp(nullable=False)
    sent_at: datetime | None = timestamp()
    last_error: str | None = None
    created_at: datetime = timestamp(nullable=False)


TABLES = [t.__table__ for t in (SupervisionPolicy, SupervisionCategory, Report, ReportAttachment, ReportStep,
                                Declaration, PhoneCode, SmsRequest)]
