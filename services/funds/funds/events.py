"""What funds publishes and consumes (DESIGN.md §2)."""

from backstop_common.asyncapi import EventCatalog

catalog = EventCatalog("funds")
