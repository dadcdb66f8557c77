"""Column helpers for every service's SQLModel tables: times are timestamptz, documents JSONB.

One set, one meaning each (services used to carry five copies with different defaults):
``timestamp()`` a time that may be unset; ``timestamp(nullable=False)`` one the code always sets;
``created()`` when the row was made — set in Python when the object is built (so it is known before a
flush) and by PostgreSQL's ``now()`` for rows written in SQL; ``jsonb(list)`` / ``jsonb(dict)``.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(nullable: bool = True, **kw: Any) -> Any:
    """A timestamptz column, ``None`` until the code sets it."""
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable, **kw))


def created(**kw: Any) -> Any:
    """A NOT NULL timestamptz column holding when the row was made."""
    return Field(default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False,
                                                           server_default=text("now()"), **kw))


def jsonb(default_factory: Callable[[], Any] = dict) -> Any:
    """A NOT NULL JSONB column; ``jsonb(list)`` for an array.

    The factory is handed to pydantic wrapped in a Python function: pydantic inspects a default factory's
    signature each time it builds a row, and for a builtin (``list``, ``dict``) that means parsing its text
    signature — ~0.3 ms a column on this machine, most of the cost of a read-model row (issue 18's profile)."""
    def empty() -> Any:
        return default_factory()
    return Field(default_factory=empty, sa_column=Column(JSONB, nullable=False))
