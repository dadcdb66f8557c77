"""Message and inbox shapes."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    event_subject: str
    event_area: str | None
    recipient_id: uuid.UUID
    body_zh: str
    body_en: str
    urgent: bool
    needs_ack: bool
    ack_due_at: datetime | None
    read_at: datetime | None
    escalated_at: datetime | None
    escalated_from_id: uuid.UUID | None
    created_at: datetime | None


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    channel: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None
    digest_id: uuid.UUID | None = None


class MessageWithDeliveries(MessageOut):
    deliveries: list[DeliveryOut] = []


class Inbox(BaseModel):
    items: list[MessageOut]
    total: int
    unread: int
