"""What notifications publishes on ``notifications.delivery`` (docs/contract.md §2, docs/events.md)."""

import uuid

from pydantic import BaseModel

from backstop_common.asyncapi import EventCatalog
from backstop_common.topics import NOTIFICATIONS_DELIVERY

class NotificationDelivered(BaseModel):
    """A message reached its recipient on an outside channel (SMS, e-mail, group robot)."""

    message_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    recipient_id: uuid.UUID
    channel: str
    attempts: int


class NotificationFailed(NotificationDelivered):
    """A message could not be delivered on a channel after its retries."""

    error: str


class NotificationEscalated(BaseModel):
    """A message that needed action was not acknowledged in time and went to the next level up."""

    message_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    from_recipient_id: uuid.UUID
    to_recipient_ids: list[uuid.UUID]
    level_area: str | None


catalog = EventCatalog("notifications")
DELIVERED = catalog.publishes(NOTIFICATIONS_DELIVERY, "notification.delivered", NotificationDelivered)
FAILED = catalog.publishes(NOTIFICATIONS_DELIVERY, "notification.failed", NotificationFailed)
ESCALATED = catalog.publishes(NOTIFICATIONS_DELIVERY, "notification.escalated", NotificationEscalated)
