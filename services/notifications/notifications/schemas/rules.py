"""Routing rule shapes, validated so a bad rule is refused before it is stored."""

import uuid
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from backstop_common.auth import Role
from backstop_common.examples import example
from notifications.schemas._checks import Strict
from notifications.vocab import LEVELS, OPS, template_fields


class Condition(Strict):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$", max_length=100)
    op: Literal[OPS]  # type: ignore[valid-type]
    value: Any = None


class Target(Strict):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["helpers", "role", "office", "unit", "user"]
    role: Role | None = None
    level: Literal[LEVELS] | None = None  # type: ignore[valid-type]
    area_field: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$")
    unit: str | None = Field(None, max_length=100)
    unit_field: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$")
    field: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$")

    @model_validator(mode="after")
    def _complete(self):
        need = {"role": self.role, "unit": self.unit or self.unit_field, "user": self.field}.get(self.kind, True)
        if not need:
            raise ValueError(f"a {self.kind} target needs its " + {"role": "role", "unit": "unit or unit_field",
                                                                    "user": "field"}[self.kind])
        return self


@example({"name": "案件确认通知帮扶责任人",
          "event_type": "case.confirmed",
          "area_prefix": "211204",
          "targets": [{"kind": "helpers"}],
          "channels": ["sms"],
          "template_zh": "您帮扶的农户已被确认为监测对象，请在15日内制定帮扶计划。",
          "template_en": "A household you help was confirmed as monitored; plan within 15 days.",
          "needs_ack": True,
          "ack_hours": 72})
class RuleIn(Strict):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    event_type: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    area_prefix: str = Field("", pattern=r"^[0-9]{0,12}$")
    conditions: list[Condition] = Field(default_factory=list, max_length=20)
    targets: list[Target] = Field(min_length=1, max_length=20)
    channels: list[Literal["sms", "email", "group"]] = Field(default_factory=list)
    template_zh: str = Field(min_length=1, max_length=2000)
    template_en: str = Field(min_length=1, max_length=2000)
    urgent: bool = False
    needs_ack: bool = False
    ack_hours: int | None = Field(None, ge=1, le=24 * 90)
    enabled: bool = True

    @field_validator("template_zh", "template_en")
    @classmethod
    def _plain_placeholders(cls, value: str) -> str:
        template_fields(value)
        return value

    @model_validator(mode="after")
    def _ack(self):
        if self.needs_ack and self.ack_hours is None:
            raise ValueError("needs_ack needs ack_hours (the escalation deadline)")
        return self


class RuleOut(RuleIn):
    model_config = ConfigDict(extra="ignore", from_attributes=True)

    id: uuid.UUID
    version: int
