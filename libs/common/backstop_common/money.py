"""Money is Decimal, to the fen (分), in the API, the database and the events.

Every amount a client sends is bounded by the column it lands in: NUMERIC(14,2) holds at most
999,999,999,999.99, so ``Money`` refuses anything above it with a 422 naming the field and the limit
(before, such an amount reached PostgreSQL and came back as a 500). Amounts the services compute
(a sum, a product) are checked with ``ensure_fits`` before they are stored.
"""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import Column, Numeric
from sqlmodel import Field as SQLField

from backstop_common.fen import FEN, to_fen  # noqa: F401 - money's names, kept where callers import them
from backstop_common.i18n import msg
from backstop_common.problems import Unprocessable

#: NUMERIC(precision, scale) of every money column
MONEY_PRECISION, MONEY_SCALE = 14, 2


def column_max(precision: int, scale: int) -> Decimal:
    """The largest value a NUMERIC(precision, scale) column holds, e.g. 999.99 for (5, 2)."""
    return Decimal(10) ** (precision - scale) - Decimal(10) ** -scale


MONEY_MAX = column_max(MONEY_PRECISION, MONEY_SCALE)


def bounded_decimal(precision: int, scale: int, *, ge: Decimal | int = 0, le: Decimal | None = None) -> Any:
    """A Decimal input that fits NUMERIC(precision, scale); ``le`` may be stricter than the column."""
    top = column_max(precision, scale) if le is None else min(Decimal(le), column_max(precision, scale))
    # no max_digits: with le and decimal_places the digits are bounded, and the error names the limit
    return Annotated[Decimal, Field(ge=ge, le=top, decimal_places=scale)]


#: a non-negative amount in yuan with at most two decimals, up to 999,999,999,999.99
Money = bounded_decimal(MONEY_PRECISION, MONEY_SCALE)
#: the same, strictly positive (an allocation, a payment: zero is no money at all)
PositiveMoney = Annotated[Decimal, Field(gt=0, le=MONEY_MAX, decimal_places=MONEY_SCALE)]


def ensure_fits(value: Decimal, field: str) -> Decimal:
    """A computed amount that a money column cannot hold is the client's doing (huge inputs): 422."""
    if abs(value) > MONEY_MAX:
        raise Unprocessable(msg("{field} would be {value}, above the largest storable amount {limit}",
                                field=field, value=value, limit=MONEY_MAX),
                            field=field, limit=str(MONEY_MAX))
    return value


def money_field(nullable: bool = False, **kw: Any) -> Any:
    """A NUMERIC(14,2) column for a SQLModel table."""
    return SQLField(sa_column=Column(Numeric(MONEY_PRECISION, MONEY_SCALE), nullable=nullable), **kw)
