"""Money is Decimal, to the fen (分), in the API, the database and the events."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import Column, Numeric
from sqlmodel import Field as SQLField

FEN = Decimal("0.01")

#: a non-negative amount in yuan with at most two decimals, up to 999,999,999,999.99
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


def to_fen(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def money_field(nullable: bool = False, **kw: Any) -> Any:
    """A NUMERIC(14,2) column for a SQLModel table."""
    return SQLField(sa_column=Column(Numeric(14, 2), nullable=nullable), **kw)
