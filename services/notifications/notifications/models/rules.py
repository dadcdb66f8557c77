"""Routing rules as data: which event, where, under which conditions, reaches whom and how."""

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from backstop_common.columns import created, jsonb


class RoutingRule(SQLModel, table=True):
    """``event_type`` + ``area_prefix`` + ``conditions`` → ``targets``, with zh/en templates.

    ``conditions``: ``[{"field", "op", "value"}]``, all must hold. ``targets``: ``[{"kind": "helpers"}``,
    ``{"kind": "role", "role", "level"}``, ``{"kind": "office", "level"}``, ``{"kind": "unit", "unit" |
    "unit_field"}``, ``{"kind": "user", "field"}]``; ``level`` is ``event``/``parent``/``township``/
    ``county``/``within``, or ``area_field`` names the data field holding the area.
    """

    __tablename__ = "routing_rules"
    __table_args__ = (Index("ix_routing_rules_event_type", "event_type"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(unique=True)
    event_type: str  # short name, e.g. risk.detected
    area_prefix: str = ""
    conditions: list = jsonb(list)
    targets: list = jsonb(list)
    channels: list = jsonb(list)  # beyond the inbox: sms, email, group
    template_zh: str
    template_en: str
    urgent: bool = False
    needs_ack: bool = False
    ack_hours: int | None = None
    enabled: bool = True
    version: int = 1
    created_at: datetime | None = created()
