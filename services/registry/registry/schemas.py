"""Registry API shapes."""

import uuid

from pydantic import BaseModel, Field


class HouseholdCreate(BaseModel):
    village_code: str = Field(pattern=r"^[0-9]{12}$")


class HouseholdRead(BaseModel):
    id: uuid.UUID
    village_code: str
    version: int
