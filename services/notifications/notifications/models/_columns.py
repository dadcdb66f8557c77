"""Column helpers shared by the notification tables."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field


def tz(nullable: bool = True, **kw) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable, **kw))


def created() -> Any:
    return Field(default_factory=lambda: datetime.now(UTC),
                 sa_column=Column(DateTime(timezone=True), nullable=False, server_default=text("now()")))


def jsonb(default_factory=list) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSONB, nullable=False))
