"""Column helpers shared by the funds tables."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field


def now() -> datetime:
    return datetime.now(UTC)


def tz(nullable: bool = False, **kw: Any) -> Any:
    """A timezone-aware timestamp column."""
    if nullable:
        return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True, **kw))
    kw.setdefault("server_default", text("now()"))
    return Field(default_factory=now, sa_column=Column(DateTime(timezone=True), nullable=False, **kw))


def jsonb(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSONB, nullable=False))


def uid() -> Any:
    return Field(default_factory=uuid.uuid4, primary_key=True)
