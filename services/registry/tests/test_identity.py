"""The ID number's birth date is checked against the day it is given (the app's clock, ``uow.clock.today()``),
never the machine's calendar."""

from datetime import date, timedelta

import pytest
from stdnum.cn import ric

from registry.domain.identity import InvalidIdNumber, normalize_id_number


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
