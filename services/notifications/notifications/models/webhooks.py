"""Outbound webhook subscriptions of other government systems, and each event's delivery to each."""

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from backstop_common.columns import created, jsonb, timestamp


class WebhookSubscription(SQLModel, table=True):
    """An endpoint subscribed to event types (``case.confirmed``, ``case.*``, ``*``) under an area prefix."""

    __tablename__ = "webhook_subscriptions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str
    url: str
    secret: str  # whsec_…, shown once at creation
    event_types: list = jsonb(list)
    area_prefix: str = ""
    owner_area: str = Field(max_length=12)
    paused: bool = False
    paused_at: datetime | None = timestamp()
    consecutive_failures: int = 0
    last_error: str | None = None
    last_success_at: datetime | None = timestamp()
    version: int = 1
    created_at: datetime | None = created()


class WebhookDelivery(SQLModel, table=True):
    """One event to one subscriber. status: pending → sent | failed."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_sub_event"),
        Index("ix_webhook_deliveries_due", "subscription_id", "next_attempt_at",
              postgresql_where=text("status = 'pending'")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    subscription_id: uuid.UUID = Field(foreign_key="webhook_subscriptions.id")
    event_id: uuid.UUID
    event_type: str
    payload: dict = jsonb(dict)
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime | None = timestamp(nullable=False)
    last_error: str | None = None
    last_status: int | None = None
    sent_at: datetime | None = timestamp()
    created_at: datetime | None = created()
