"""Monitoring cases (监测对象) and what hangs off them: steps, measures, visits, missed deadlines."""

import uuid
from datetime import date, datetime

from sqlalchemy import ARRAY, Column, DateTime, Index, String, text
from sqlmodel import Field, SQLModel

from backstop_common.columns import created, jsonb, timestamp
from backstop_common.sync_schema import changed_xid

OPEN_STAGES_SQL = "stage NOT IN ('rejected', 'eliminated')"
#: the stages of the identification procedure, while the 15-day decision limit runs
IDENTIFYING_SQL = "stage IN ('opened', 'verified', 'notice_posted', 'reviewed')"


class Case(SQLModel, table=True):
    """One household's monitoring case; ``stage`` moves only through ``domain.workflow``."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("uq_cases_one_open_per_household", "household_id", unique=True,
              postgresql_where=text(OPEN_STAGES_SQL)),
        Index("ix_cases_village_pattern", "village_code", postgresql_ops={"village_code": "text_pattern_ops"}),
        Index("ix_cases_next_due_open", "next_due_at", postgresql_where=text(OPEN_STAGES_SQL)),
        Index("ix_cases_decision_due_identifying", "decision_due_at", postgresql_where=text(IDENTIFYING_SQL)),
        # the dashboard's live counts by area, index-only (migration d5f1c2a9b7e4)
        Index("ix_cases_village_next_due_open", "village_code", "next_due_at",
              postgresql_ops={"village_code": "text_pattern_ops"}, postgresql_where=text(OPEN_STAGES_SQL)),
        Index("ix_cases_village_instant_help", "village_code", postgresql_ops={"village_code": "text_pattern_ops"},
              postgresql_where=text("instant_help_at IS NOT NULL")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    village_code: str
    stage: str
    category: str | None = None
    risk_types: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(String), nullable=False))
    gaps: list[str] = Field(default_factory=list, sa_column=Column(ARRAY(String), nullable=False))
    source: str
    opened_at: datetime = timestamp(nullable=False)
    decision_due_at: datetime | None = timestamp()
    due_step: str | None = None  # verify / notice / review / confirm
    due_at: datetime | None = timestamp()
    notice_ends_at: datetime | None = timestamp()
    confirmed_at: datetime | None = timestamp()
    plan_due_at: datetime | None = timestamp()
    planned_at: datetime | None = timestamp()
    instant_help_at: datetime | None = timestamp()  # first measures planned before confirmation (即时帮扶)
    next_visit_due: datetime | None = timestamp()
    next_due_at: datetime | None = timestamp()  # least of the three deadlines: the overdue index
    closed_at: datetime | None = timestamp()
    close_reason: str | None = None
    elimination_method: str | None = None
    elimination_notice_ends_at: datetime | None = timestamp()  # 风险消除 村内公示, like identification's
    version: int = 1
    updated_at: datetime | None = timestamp()
    changed_xid: int | None = changed_xid()  # offline sync's order (trigger-set)


class CaseStep(SQLModel, table=True):
    """Who did what to a case, when and why (the case history)."""

    __tablename__ = "case_steps"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(index=True)
    action: str
    from_stage: str | None = None
    to_stage: str
    actor_user_id: str | None = None
    actor_role: str | None = None
    note: str | None = None
    data: dict = jsonb()
    at: datetime = timestamp(nullable=False)


class Measure(SQLModel, table=True):
    """One measure of an assistance plan (帮扶措施), open until the registry reports it given."""

    __tablename__ = "measures"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(index=True)
    household_id: uuid.UUID = Field(index=True)
    measure_type: str
    responsible_unit: str
    helper_user_id: str | None = None
    due_at: datetime | None = timestamp()
    status: str = "open"  # open / done
    done_at: datetime | None = timestamp()
    registry_measure_id: uuid.UUID | None = None
    created_at: datetime = created()
    changed_xid: int | None = changed_xid()


class Visit(SQLModel, table=True):
    """A visit (巡访) to a monitored household."""

    __tablename__ = "visits"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    case_id: uuid.UUID = Field(index=True)
    visited_on: date
    visitor_user_id: str
    findings: str
    occurred_at: datetime | None = timestamp()  # when it happened, as the (perhaps offline) phone recorded it
    created_at: datetime = created()  # when it arrived
    changed_xid: int | None = changed_xid()


class DeadlineMiss(SQLModel, table=True):
    """A deadline that was missed and announced (``case.overdue``): once per case, step and due time."""

    __tablename__ = "deadline_misses"

    case_id: uuid.UUID = Field(primary_key=True)
    step: str = Field(primary_key=True)
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), primary_key=True))
    recorded_at: datetime = timestamp(nullable=False)
