"""Column helpers shared by the registry tables."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field


def created_at() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=False,
                                                server_default=text("now()")))


def timestamp(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


def text_list() -> Any:
    return Field(default_factory=list, sa_column=Column(ARRAY(String), nullable=False,
                                                        server_default=text("'{}'")))


__all__ = ["created_at", "datetime", "text_list", "timestamp"]
