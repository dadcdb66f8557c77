"""Webhook subscription shapes; the secret is shown once, at creation."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from notifications.schemas._checks import Strict

from backstop_common.examples import example

EventPattern = Annotated[str, Field(pattern=r"^(\*|[a-z_]+\.(\*|[a-z_]+))$")]


@example({"name": "省防返贫监测平台",
          "url": "https://fpjc.example.gov.cn/hooks/backstop",
          "event_types": ["case.*"],
          "area_prefix": "211204"})
class WebhookIn(Strict):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    url: str = Field(pattern=r"^https?://", max_length=2000)
    event_types: list[EventPattern] = Field(min_length=1, max_length=100)
    area_prefix: str = Field("", pattern=r"^[0-9]{0,12}$")


@example({"paused": False})
class WebhookPatch(Strict):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, pattern=r"^https?://", max_length=2000)
    event_types: list[EventPattern] | None = Field(None, min_length=1, max_length=100)
    paused: bool | None = None  # false resumes a paused subscriber


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    url: str
    event_types: list[str]
    area_prefix: str
    paused: bool
    paused_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    last_success_at: datetime | None
    version: int
    pending: int = 0
    failed: int = 0


class WebhookCreated(WebhookOut):
    secret: str
