"""Rounding to the fen (分), with the standard library only: the registry's import worker rounds amounts
and should not load pydantic, SQLAlchemy and FastAPI (``backstop_common.money``) to do it."""

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


def to_fen(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)
