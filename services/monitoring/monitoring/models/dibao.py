"""低保 (minimum living guarantee) follow-up: recommendations to civil affairs and phase-outs (渐退)."""

import uuid
from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from backstop_common.columns import timestamp


class DibaoRecommendation(SQLModel, table=True):
    """A household under the policy's 低保 line and not on 低保, told to civil affairs once per income fact."""

    __tablename__ = "dibao_recommendations"

    household_id: uuid.UUID = Field(primary_key=True)
    fact_key: str = Field(primary_key=True)  # the income fact (year:per-capita income), as the signals' key
    recommended_at: datetime = timestamp(nullable=False)


class DibaoPhaseout(SQLModel, table=True):
    """A 低保 household whose income rose above the line keeps 低保 for at most ``dibao_phaseout_months``
    (低保渐退); leaving earlier without civil affairs' review is a lapse."""

    __tablename__ = "dibao_phaseouts"
    __table_args__ = (
        Index("uq_dibao_phaseouts_running", "household_id", unique=True, postgresql_where=text("closed_at IS NULL")),
        Index("ix_dibao_phaseouts_running_ends", "ends_at", postgresql_where=text("closed_at IS NULL")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID = Field(index=True)
    village_code: str
    started_at: datetime = timestamp(nullable=False)
    ends_at: datetime = timestamp(nullable=False)
    reviewed_at: datetime | None = timestamp()
    reviewed_by: str | None = None
    closed_at: datetime | None = timestamp()
    outcome: str | None = None  # left_reviewed / lapsed / due (the period ran out) ; null while running
