"""Column helpers of monitoring's own (times and JSON: ``backstop_common.columns``)."""

from typing import Any

from sqlalchemy import Column, Numeric
from sqlmodel import Field


def share(nullable: bool = False) -> Any:
    """A fraction 0..1 with four decimals (e.g. income-drop share 0.3000)."""
    return Field(sa_column=Column(Numeric(6, 4), nullable=nullable))
