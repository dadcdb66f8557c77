"""Notifications tables: recipients, the household read model, rules, messages, deliveries, webhooks."""

from backstop_common.messaging_models import InboxEntry, OutboxMark, OutboxMessage  # noqa: F401  (same metadata)
from notifications.models.direct_sms import DirectSms
from notifications.models.messages import Attempt, Delivery, Message
from notifications.models.recipients import AccessLog, HouseholdFacts, ParkedEvent, Recipient
from notifications.models.rules import RoutingRule
from notifications.models.webhooks import WebhookDelivery, WebhookSubscription

__all__ = ["AccessLog", "Attempt", "Delivery", "DirectSms", "HouseholdFacts", "Message", "ParkedEvent", "Recipient", "RoutingRule",
           "WebhookDelivery", "WebhookSubscription"]
