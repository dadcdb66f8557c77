"""Risk signals (风险点) and cluster alerts (规模性返贫预警)."""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backstop_common.columns import jsonb, timestamp
from monitoring.models._columns import share as share_field


class Signal(SQLModel, table=True):
    """One risk signal with the rule and facts that fired it. The same fact (household + rule +
    fact key) is stored once: the unique constraint is the dedupe."""

    __tablename__ = "signals"
    __table_args__ = (
        UniqueConstraint("household_id", "rule", "fact_key", name="uq_signals_fact"),
        Index("ix_signals_village_created", "village_code", "created_at",
              postgresql_ops={"village_code": "text_pattern_ops"}),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    household_id: uuid.UUID  # indexed by uq_signals_fact (leading column)
    village_code: str
    risk_type: str
    rule: str
    fact_key: str
    facts: dict = jsonb()
    source: str  # event / application / visit / department / rescreen
    case_id: uuid.UUID | None = Field(default=None, index=True)
    actor_user_id: str | None = None
    actor_role: str | None = None
    created_at: datetime = timestamp(nullable=False)


class ClusterAlert(SQLModel, table=True):
    """An ``area.cluster_alert`` that fired: at most one per village per window."""

    __tablename__ = "cluster_alerts"

    village_code: str = Field(primary_key=True)
    window_bucket: int = Field(primary_key=True)
    fired_at: datetime = timestamp(nullable=False)
    households_with_signals: int
    households_total: int
    share: Decimal = share_field()
    threshold: Decimal = share_field()
    window_days: int
