"""Money without a server: to the fen, bounded by NUMERIC(14,2), a computed amount checked before it is stored."""

from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from backstop_common.money import (MONEY_MAX, Money, PositiveMoney, bounded_decimal, column_max, ensure_fits,
                                   to_fen)
from backstop_common.problems import Unprocessable

money = TypeAdapter(Money)
positive = TypeAdapter(PositiveMoney)


def test_the_largest_amount_is_what_numeric_14_2_holds():
    assert MONEY_MAX == Decimal("999999999999.99")
    assert column_max(5, 2) == Decimal("999.99")
    assert column_max(6, 4) == Decimal("99.9999")


@pytest.mark.parametrize("text", ["0", "0.01", "1234.5", "999999999999.99"])
def test_money_takes_yuan_to_the_fen_up_to_the_column(text):
    assert money.validate_python(text) == Decimal(text)


@pytest.mark.parametrize("text", ["-0.01", "0.001", "1000000000000.00", "nan"])
def test_money_refuses_negative_sub_fen_too_large_and_not_a_number(text):
    with pytest.raises(ValidationError):
        money.validate_python(text)


def test_positive_money_refuses_zero():
    with pytest.raises(ValidationError):
        positive.validate_python("0")
    assert positive.validate_python("0.01") == Decimal("0.01")


def test_a_bound_stricter_than_the_column_wins():
    share = TypeAdapter(bounded_decimal(6, 4, le=Decimal(1)))
    assert share.validate_python("0.3") == Decimal("0.3")
    with pytest.raises(ValidationError):
        share.validate_python("1.0001")


@pytest.mark.parametrize(("value", "fen"), [("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), (3, "3.00")])
def test_to_fen_rounds_half_up(value, fen):
    assert to_fen(value) == Decimal(fen)


def test_a_computed_amount_beyond_the_column_is_the_clients_422_naming_the_field():
    assert ensure_fits(MONEY_MAX, "total") == MONEY_MAX
    with pytest.raises(Unprocessable) as refused:
        ensure_fits(MONEY_MAX + Decimal("0.01"), "total")
    assert refused.value.extensions == {"field": "total", "limit": str(MONEY_MAX)}
    with pytest.raises(Unprocessable):
        ensure_fits(-MONEY_MAX - 1, "balance")
