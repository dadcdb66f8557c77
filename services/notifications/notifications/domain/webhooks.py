"""Outbound webhooks: queue each matching event per subscriber; send signed (Standard Webhooks)."""

import base64
import json
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from backstop_common.envelope import Event
from notifications.domain.areas import event_area
from notifications.domain.masking import strip_personal
from notifications.domain.targets import Lookups
from notifications.models import WebhookDelivery, WebhookSubscription
from notifications.repository import webhooks as repo


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def matches(sub: WebhookSubscription, short_name: str, area: str | None) -> bool:
    if not (area or "").startswith(sub.area_prefix):
        return False
    for pattern in sub.event_types:
        if pattern == "*" or pattern == short_name or (pattern.endswith(".*") and short_name.startswith(pattern[:-1])):
            return True
    return False


def payload(event: Event, short_name: str, area: str | None) -> dict:
    """The Standard Webhooks shape ``{type, timestamp, data}``; data stripped of personal identifiers."""
    return {"type": short_name, "timestamp": event.time.isoformat(), "subject": event.subject,
            "area_code": area, "data": strip_personal(event.data)}


async def enqueue(session, events: list[tuple[Event, str]], now: datetime) -> int:
    """Queue each event (with its short name) for every subscriber whose area and event types it matches, in one
    insert; returns how many deliveries were asked for."""
    subs = await Lookups.of(session).subscriptions()
    if not subs:  # most counties have none: no event's area to work out
        return 0
    rows = []
    for event, short_name in events:
        area = event_area(event)
        matching = [sub for sub in subs if matches(sub, short_name, area)]
        body = payload(event, short_name, area) if matching else None
        rows += [dict(subscription_id=sub.id, event_id=event.id, event_type=short_name, payload=body,
                      status="pending", attempts=0, next_attempt_at=now, created_at=now) for sub in matching]
    await repo.queue(session, rows)
    return len(rows)


def signed_request(sub: WebhookSubscription, delivery: WebhookDelivery) -> tuple[str, dict[str, str]]:
    """Body and headers: ``webhook-id`` = the event id, ``webhook-timestamp`` = now (wall clock: the
    receiver checks it against its own within minutes), ``webhook-signature`` = ``v1,<hmac>``."""
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    sent_at = datetime.now(UTC)
    signature = Webhook(sub.secret).sign(str(delivery.event_id), sent_at, body)
    headers = {"webhook-id": str(delivery.event_id), "webhook-timestamp": str(int(sent_at.timestamp())),
               "webhook-signature": signature, "content-type": "application/json"}
    return body, headers
