"""Tables of investigation campaigns (大排查), problem lists and rectification (整改), annual targets (挂图作战).

Not yet in monitoring's migration: the lead folds ``TABLES`` into it (tests create them with create_all).
"""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ARRAY, Column, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from backstop_common.columns import jsonb, timestamp
from backstop_common.money import money_field
from backstop_common.sync_schema import changed_xid

#: problem statuses that still hold a slot (a closed-by-data problem may be opened again by a re-run)
ACTIVE_SQL = "status <> 'closed'"


class CheckDefinition(SQLModel, table=True):
    """One checklist item (排查事项): a data check over a known fact, or a question cadres answer."""

    __tablename__ = "campaign_checks"

    code: str = Field(primary_key=True)
    title: str
    kind: str  # data / question
    fact: str | None = None  # a key of repository.FACTS (data checks only)
    threshold: Decimal | None = money_field(nullable=True, default=None)
    subject: str = "household"  # household / unit (a village or a department answers for itself)
    responsible_unit: str
    category: str | None = None  # 责任落实 / 政策落实 / 工作落实 / 巩固成效
    created_by: str | None = None
    created_at: datetime | None = timestamp()


class Campaign(SQLModel, table=True):
    """A campaign: name, area, investigation and rectification deadlines, and its checklist."""

    __tablename__ = "campaigns"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str
    area_code: str = Field(index=True)
    scope: str
    investigation_due: datetime = timestamp(nullable=False)
    rectification_due: datetime = timestamp(nullable=False)
    checks: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(String), nullable=False))
    created_by: str
    created_at: datetime = timestamp(nullable=False)
    runs: int = 0
    last_run_at: datetime | None = timestamp()
    last_run_by: str | None = None


class Problem(SQLModel, table=True):
    """One problem (问题清单 row): a failed check for one household or unit, with its responsible unit."""

    __tablename__ = "campaign_problems"
    __table_args__ = (
        Index("uq_campaign_problems_active", "campaign_id", "check_code", "subject_key", unique=True,
              postgresql_where=text(ACTIVE_SQL)),
        Index("ix_campaign_problems_village", "village_code", postgresql_ops={"village_code": "text_pattern_ops"}),
        Index("ix_campaign_problems_due_open", "due_at",
              postgresql_where=text("status IN ('opened', 'in_progress')")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    campaign_id: uuid.UUID = Field(index=True)
    check_code: str
    subject_key: str  # household id, or the area code of the unit
    household_id: uuid.UUID | None = None
    village_code: str
    responsible_unit: str
    status: str  # opened / in_progress / rectified / verified / deferred / closed
    source: str  # data / answer
    due_at: datetime = timestamp(nullable=False)
    opened_at: datetime = timestamp(nullable=False)
    opened_by: str | None = None
    rectified_at: datetime | None = timestamp()
    rectified_by: str | None = None
    measures_taken: str | None = None
    evidence: list = jsonb(list)
    verified_at: datetime | None = timestamp()
    verified_by: str | None = None
    deferred_reason: str | None = None
    closed_at: datetime | None = timestamp()
    closed_reason: str | None = None
    overdue_notified_for: datetime | None = timestamp()  # the deadline problem.overdue was published for
    version: int = 1
    updated_at: datetime | None = timestamp()
    changed_xid: int | None = changed_xid()  # offline sync's order (trigger-set)


class ProblemStep(SQLModel, table=True):
    """Who did what to a problem, when and why (the rectification history)."""

    __tablename__ = "campaign_problem_steps"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    problem_id: uuid.UUID = Field(index=True)
    action: str
    from_status: str | None = None
    to_status: str
    actor_user_id: str | None = None
    actor_role: str | None = None
    note: str | None = None
    data: dict = jsonb()
    at: datetime = timestamp(nullable=False)


class Answer(SQLModel, table=True):
    """A cadre's answer to a question check at the visit (who and when), per household or unit."""

    __tablename__ = "campaign_answers"
    __table_args__ = (UniqueConstraint("campaign_id", "check_code", "subject_key", name="uq_campaign_answer"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    campaign_id: uuid.UUID = Field(index=True)
    check_code: str
    subject_key: str
    household_id: uuid.UUID | None = None
    village_code: str
    passed: bool
    note: str | None = None
    answered_by: str
    answered_role: str
    answered_at: datetime = timestamp(nullable=False)


class Target(SQLModel, table=True):
    """An annual target (年度目标任务) for an area and measure; township parts point at the county row."""

    __tablename__ = "campaign_targets"
    __table_args__ = (UniqueConstraint("year", "area_code", "measure", name="uq_campaign_target"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    year: int
    area_code: str
    scope: str = Field(index=True)
    measure: str
    unit: str  # people / households
    target: int
    parent_id: uuid.UUID | None = Field(default=None, index=True)
    starts_on: date
    due_on: date
    created_by: str
    created_at: datetime = timestamp(nullable=False)
    version: int = 1


class TargetProgress(SQLModel, table=True):
    """One counted unit of progress, derived from an event (never typed): once per measure, year and
    household, so a second instalment or a redelivered event does not count twice."""

    __tablename__ = "campaign_target_progress"
    __table_args__ = (
        Index("ix_campaign_target_progress_village", "measure", "year", "village_code",
              postgresql_ops={"village_code": "text_pattern_ops"}),
    )

    measure: str = Field(primary_key=True)
    year: int = Field(primary_key=True)
    subject_key: str = Field(primary_key=True)
    village_code: str
    households: int = 1
    people: int = 1
    source_event_id: uuid.UUID
    source_type: str
    counted_at: datetime = timestamp(nullable=False)


TABLES = [CheckDefinition.__table__, Campaign.__table__, Problem.__table__, ProblemStep.__table__,
          Answer.__table__, Target.__table__, TargetProgress.__table__]
