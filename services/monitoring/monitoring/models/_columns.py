"""Column helpers shared by the monitoring tables."""

from typing import Any

from sqlalchemy import Column, DateTime, Numeric, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field


def tz(nullable: bool = True, **kw: Any) -> Any:
    """A timestamptz column (every time in monitoring is tz-aware)."""
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable, **kw))


def created(**kw: Any) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=text("now()"), **kw))


def share(nullable: bool = False) -> Any:
    """A fraction 0..1 with four decimals (e.g. income-drop share 0.3000)."""
    return Field(sa_column=Column(Numeric(6, 4), nullable=nullable))


def jsonb(default_factory=dict) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSONB, nullable=False))
