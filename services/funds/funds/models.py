"""Funds tables. Thin for now: the funds issue adds sources, projects, payments."""

from backstop_common.messaging_models import InboxEntry, OutboxMessage  # noqa: F401  (same metadata)
