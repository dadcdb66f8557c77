"""Recipient shapes: people and units; phone and e-mail masked for roles that should not see them."""

import uuid
from datetime import time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from backstop_common.auth import Role
from backstop_common.examples import example
from notifications.schemas._checks import Strict

AREA = r"^[0-9]{12}$"
Channel = Literal["sms", "email", "group"]


@example({"kind": "person",
          "user_id": "village_cadre@211204102200",
          "role": "village_cadre",
          "area_code": "211204102200",
          "label": "石门村 村干部",
          "phone": "13900002222",
          "channels": ["sms"]})
class RecipientIn(Strict):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["person", "unit"] = "person"
    user_id: str | None = Field(None, min_length=1, max_length=200)
    role: Role | None = None
    area_code: str = Field(pattern=AREA)
    unit: str | None = Field(None, min_length=1, max_length=100, pattern=r"^[a-z0-9_.-]+$")
    label: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, pattern=r"^1[3-9][0-9]{9}$")
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)
    group_webhook_url: str | None = Field(None, pattern=r"^https?://", max_length=1000)
    channels: list[Channel] = Field(default_factory=list)
    quiet_start: time | None = None
    quiet_end: time | None = None
    active: bool = True

    @model_validator(mode="after")
    def _consistent(self):
        if self.kind == "person" and (not self.user_id or self.role is None):
            raise ValueError("a person needs user_id (the JWT sub) and role")
        if self.kind == "unit" and not self.unit:
            raise ValueError("a unit needs unit (e.g. county_office, health)")
        if any(t is not None and t.tzinfo is not None for t in (self.quiet_start, self.quiet_end)):
            raise ValueError("quiet hours are local wall-clock times (Asia/Shanghai), without an offset")
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("quiet_start and quiet_end go together")
        for channel, address in (("sms", self.phone), ("email", self.email), ("group", self.group_webhook_url)):
            if channel in self.channels and not address:
                raise ValueError(f"channel {channel} needs its address")
        return self


@example({"items": [{"kind": "unit",
                     "unit": "education",
                     "area_code": "211204000000",
                     "label": "区教育局",
                     "email": "jyj@example.gov.cn",
                     "channels": ["email"]}]})
class RecipientBulk(Strict):
    model_config = ConfigDict(extra="forbid")

    items: list[RecipientIn] = Field(min_length=1, max_length=5000)


#: quiet hours are wall-clock times in Asia/Shanghai, without an offset; JSON Schema's "time" format
#: demands one, so the documented shape is a plain HH:MM[:SS] pattern
LocalTime = Annotated[time, WithJsonSchema({"type": "string", "pattern": r"^[0-2][0-9]:[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$"})]


class RecipientOut(BaseModel):
    id: uuid.UUID
    kind: str
    user_id: str | None
    role: str | None
    area_code: str
    unit: str | None
    label: str | None
    phone: str | None
    email: str | None
    group_webhook_url: str | None
    channels: list[str]
    quiet_start: LocalTime | None
    quiet_end: LocalTime | None
    active: bool
    version: int


class BulkResult(BaseModel):
    created: int
    updated: int
