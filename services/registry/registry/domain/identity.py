"""Resident ID numbers (居民身份证号码, GB 11643) and names normalised for search (拼音)."""

import os
from datetime import date
from functools import lru_cache

# Names are read character by character; pypinyin's phrase dictionary (~40 MB resident) reads words.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
from pypinyin import lazy_pinyin  # noqa: E402
from stdnum import numdb
from stdnum.cn import ric

from backstop_common.i18n import msg


#: no one registered was born before it
EARLIEST_BIRTH = date(1890, 1, 1)


class InvalidIdNumber(ValueError):
    """The reason is meant for the person who typed the number."""


def normalize_id_number(raw: str, today: date) -> str:
    """Return the 18-character number, or raise ``InvalidIdNumber`` with the reason. ``today`` is the county's
    date by the app's clock (``uow.clock.today()``): no one is born after it.

    15-digit numbers (issued before 1999, all born 19xx) are upgraded: "19" is inserted before the
    year and the GB 11643 check digit appended. The place check is the province only: a person's
    county code is often younger than the person (stdnum's full check refuses those).
    """
    number = str(raw or "").strip().upper()
    if not number.isalnum():
        number = ric.compact(number)
    if not number:
        raise InvalidIdNumber(msg("ID number is empty"))
    if "E+" in number or "." in number:
        raise InvalidIdNumber(msg("ID number {number} is in scientific notation or a decimal; Excel has "
                                  "destroyed its last digits, format the column as text", number=repr(number)))
    if len(number) == 15:
        if not number.isdigit():
            raise InvalidIdNumber(msg("a 15-digit legacy ID number must be all digits"))
        stem = number[:6] + "19" + number[6:]
        number = stem + ric.calc_check_digit(stem + "0")
    if len(number) != 18:
        raise InvalidIdNumber(msg("ID number must have 18 characters (or 15 legacy digits), got {n}", n=len(number)))
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber(msg("ID number must be 17 digits and a digit or X"))
    if number[17] != ric.calc_check_digit(number):
        raise InvalidIdNumber(msg("ID number check digit is wrong (GB 11643)"))
    try:
        born = birth_date_of(number)
    except ValueError:
        raise InvalidIdNumber(msg("ID number holds no valid birth date")) from None
    if not EARLIEST_BIRTH <= born <= today:
        raise InvalidIdNumber(msg("ID number birth date {born} is impossible", born=born))
    if not _known_province(number[:2]):
        raise InvalidIdNumber(msg("ID number starts with an unknown province code {code}", code=number[:2]))
    return number


def id_facts(raw: str, today: date) -> tuple[str, str, date]:
    """(``normalize_id_number(raw, today)``, its sex, its birth date): an 18-character number already in its normal
    form (an import's rows nearly all: 300,000 a file) checked in one pass, each check as ``normalize_id_number``
    makes it; any other number by ``normalize_id_number``, which raises with the reason."""
    if len(raw) == 18 and raw.isascii() and raw[:17].isdigit() \
            and raw[17] == ric.calc_check_digit(raw) and _known_province(raw[:2]):
        try:
            born = birth_date_of(raw)
        except ValueError:
            born = None
        if born is not None and EARLIEST_BIRTH <= born <= today:
            return raw, sex_of(raw), born
    number = normalize_id_number(raw, today)
    return number, sex_of(number), birth_date_of(number)


@lru_cache(maxsize=64)
def _known_province(code: str) -> bool:
    return any("province" in props for _, props in numdb.get("cn/loc").info(code + "0000"))


def birth_date_of(id_number: str) -> date:
    return _date_of(id_number[6:14])


@lru_cache(maxsize=65536)
def _date_of(digits: str) -> date:
    """YYYYMMDD → the date, remembered (a county's people share a few tens of thousands of birth dates; an
    import reads 300,000 ID numbers, each twice). A date that does not exist raises each time."""
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


def sex_of(id_number: str) -> str:
    """The 17th digit: odd male, even female."""
    return "male" if int(id_number[16]) % 2 else "female"


@lru_cache(maxsize=20000)
def _syllable(char: str) -> str:
    return lazy_pinyin(char)[0].lower() if char.strip() else ""


@lru_cache(maxsize=4096)
def pinyin_of(name: str) -> tuple[str, str]:
    """(full pinyin, initials) without tones or spaces: 张三丰 -> ("zhangsanfeng", "zsf")."""
    syllables = [s for s in (_syllable(c) for c in name) if s and s.isascii() and s.isalnum()]
    return "".join(syllables), "".join(s[0] for s in syllables)
