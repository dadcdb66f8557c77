"""What notifications publishes and consumes (DESIGN.md §2)."""

from backstop_common.asyncapi import EventCatalog
from backstop_common.envelope import event_type
from backstop_common.topics import REGISTRY_HOUSEHOLD

catalog = EventCatalog("notifications")

HOUSEHOLD_REGISTERED = catalog.consumes(REGISTRY_HOUSEHOLD, event_type("registry", "household.registered"))
