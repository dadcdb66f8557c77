"""Messages (one per recipient per event) and their delivery attempts on each channel."""

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from backstop_common.columns import created, timestamp
from backstop_common.sync_schema import changed_xid


class Message(SQLModel, table=True):
    """One recipient's copy of one event: the inbox row, acknowledged by reading it."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("event_id", "recipient_id", name="uq_messages_event_recipient"),
        Index("ix_messages_recipient_created", "recipient_id", "created_at"),
        Index("ix_messages_ack_due", "ack_due_at",
              postgresql_where=text("needs_ack AND read_at IS NULL AND escalated_at IS NULL")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: uuid.UUID = Field(index=True)
    event_type: str
    event_subject: str
    event_area: str | None = None
    rule_id: uuid.UUID | None = None
    recipient_id: uuid.UUID = Field(foreign_key="recipients.id")
    level_area: str | None = None  # the area of the recipient's level (escalation goes above it)
    body_zh: str
    body_en: str
    urgent: bool = False
    needs_ack: bool = False
    ack_due_at: datetime | None = timestamp()
    read_at: datetime | None = timestamp()
    escalated_at: datetime | None = timestamp()
    escalated_from_id: uuid.UUID | None = None
    created_at: datetime | None = created()
    changed_xid: int | None = changed_xid()  # offline sync's order (trigger-set)


class Delivery(SQLModel, table=True):
    """A message on one outside channel; retry state lives here, not in a sleeping task.

    status: pending → sent | failed; ``held`` waits for the recipient's digest.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("message_id", "channel", name="uq_deliveries_message_channel"),
        Index("ix_deliveries_due", "next_attempt_at", postgresql_where=text("status IN ('pending', 'held')")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    message_id: uuid.UUID = Field(foreign_key="messages.id")
    recipient_id: uuid.UUID = Field(foreign_key="recipients.id")
    channel: str
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime | None = timestamp(nullable=False)
    last_error: str | None = None
    sent_at: datetime | None = timestamp()
    digest_id: uuid.UUID | None = None
    created_at: datetime | None = created()


class Attempt(SQLModel, table=True):
    """One send attempt, on a channel delivery or a webhook delivery: the audit trail of retries."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (Index("ix_delivery_attempts_delivery", "delivery_id", "number"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str  # channel | webhook
    delivery_id: uuid.UUID
    number: int
    ok: bool
    http_status: int | None = None
    error: str | None = None
    at: datetime | None = created()
