"""Finance anomalies (each recorded once by its key) and subsidy suggestions for monitored households."""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from backstop_common.columns import created, jsonb
from backstop_common.money import money_field
from funds.enums import AnomalyKind, check_in
from funds.models.columns import uid


class Anomaly(SQLModel, table=True):
    __tablename__ = "anomalies"
    __table_args__ = (CheckConstraint(check_in("kind", AnomalyKind), name="anomaly_kind"),)

    id: uuid.UUID = uid()
    key: str = Field(unique=True)       # what makes it the same anomaly: detected and published once
    kind: str = Field(index=True)
    area_code: str = Field(index=True)
    household_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    payment_id: uuid.UUID | None = None
    allocation_id: uuid.UUID | None = None
    amount: Decimal | None = money_field(nullable=True, default=None)
    detail: str
    detected_at: datetime | None = created()
    # closed when what was flagged turns out fine: e.g. the registry's event for an "unknown" household
    # arrived after the refusal (resolved_by_event is that event's id)
    resolved_at: datetime | None = created()
    resolution: str | None = None
    resolved_by_event: uuid.UUID | None = None


class Suggestion(SQLModel, table=True):
    """A subsidy a monitored household's facts make it eligible for: a suggestion, not a payment."""

    __tablename__ = "subsidy_suggestions"
    __table_args__ = (UniqueConstraint("household_id", "member_key", "kind", "period"),)

    id: uuid.UUID = uid()
    household_id: uuid.UUID = Field(index=True)
    village_code: str = Field(index=True)
    member_id: uuid.UUID | None = None
    member_key: str
    kind: str
    period: str
    amount: Decimal = money_field()
    basis: dict = jsonb(dict)
    case_id: uuid.UUID | None = None
    status: str = "open"                # open / paid
    created_at: datetime | None = created()
