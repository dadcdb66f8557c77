"""What the registry publishes on ``registry.household`` (DESIGN.md §2)."""

import uuid

from pydantic import BaseModel

from backstop_common.asyncapi import EventCatalog
from backstop_common.topics import REGISTRY_HOUSEHOLD

catalog = EventCatalog("registry")


class HouseholdRegistered(BaseModel):
    """A household was entered in the registry (建档立卡)."""

    household_id: uuid.UUID
    village_code: str


HOUSEHOLD_REGISTERED = catalog.publishes(REGISTRY_HOUSEHOLD, "household.registered", HouseholdRegistered)
