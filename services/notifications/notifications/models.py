"""Notifications tables. Thin for now: the notifications issue adds recipients, rules, messages."""

from backstop_common.messaging_models import InboxEntry, OutboxMessage  # noqa: F401  (same metadata)
