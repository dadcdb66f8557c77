"""The ID number's birth date is checked against the day it is given (the app's clock, ``uow.clock.today()``),
never the machine's calendar."""

from datetime import date, timedelta

import pytest
from stdnum.cn import ric

from registry.domain.identity import InvalidIdNumber, birth_date_of, id_facts, normalize_id_number, sex_of


def born_on(day: date) -> str:
    stem = f"211204{day:%Y%m%d}001"
    return stem + ric.calc_check_digit(stem + "0")


def test_the_birth_date_is_checked_against_the_day_given():
    today = date(2031, 3, 15)  # a clock moved into the future: what it calls today is what counts
    assert normalize_id_number(born_on(today), today) == born_on(today)
    with pytest.raises(InvalidIdNumber):
        normalize_id_number(born_on(today + timedelta(days=1)), today)
    with pytest.raises(InvalidIdNumber):
        normalize_id_number(born_on(date(1889, 12, 31)), today)


def _checked(stem: str) -> str:
    return stem + ric.calc_check_digit(stem + "0")


def _facts_or_reason(check, raw: str, today: date):
    try:
        return check(raw, today)
    except InvalidIdNumber as exc:
        return str(exc)


@pytest.mark.parametrize("raw", [
    born_on(date(1970, 1, 1)), born_on(date(1985, 12, 31)), "11010519491231002X", "11010519491231002x",
    "110105491231002", " 110105194912310029 ", "110105194912310021", "110105194913310021", born_on(date(2031, 3, 16)),
    born_on(date(1889, 12, 31)), _checked("99120419700101001"), _checked("11010519700230001"), "2.11204E+17", "21120419700101001", "", "X" * 18,
    "１１０１０５１９４９１２３１００２Ｘ", "1101051949123100２X", "110105-19491231-002X", "11010519491231002Y"])
def test_an_id_numbers_facts_are_those_its_normal_form_gives(raw):
    """``id_facts``, the import's one-pass check of a number already in its normal form, answers what
    ``normalize_id_number`` answers — the same number, or the same reason — with the number's sex and birth date."""
    today = date(2031, 3, 15)

    def by_normalizing(text: str, day: date):
        number = normalize_id_number(text, day)
        return number, sex_of(number), birth_date_of(number)

    assert _facts_or_reason(id_facts, raw, today) == _facts_or_reason(by_normalizing, raw, today)
