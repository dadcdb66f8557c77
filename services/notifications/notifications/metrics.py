"""Notification metrics on the shared ``/metrics`` (default Prometheus registry)."""

from prometheus_client import Counter, Gauge

MESSAGES_CREATED = Counter("notifications_messages_total", "Messages created", ["event_type", "kind"], namespace="backstop")
SENDS = Counter("notifications_sends_total", "Channel send attempts", ["channel", "outcome"], namespace="backstop")
WEBHOOK_SENDS = Counter("notifications_webhook_sends_total", "Webhook send attempts", ["outcome"], namespace="backstop")
WEBHOOKS_PAUSED = Gauge("notifications_webhooks_paused", "Webhook subscribers paused (last dispatcher view)",
                        namespace="backstop")
