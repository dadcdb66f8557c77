"""Masking of personal identifiers: resident ID numbers (身份证号) and mobile phones."""

import re

ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{5})([0-9]{8})([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
PHONE = re.compile(r"(?<![0-9])(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])")


def mask_id_number(value: str | None) -> str | None:
    """110105199003071234 -> 110105********1234."""
    if not value:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str | None) -> str | None:
    """13812345678 -> 138****5678."""
    if not value:
        return value
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else "*" * len(value)


#: what both need: eleven digits in a row (a phone; an ID number has seventeen and a check character)
_DIGIT_RUN = re.compile(r"[0-9]{11}")


def may_hold_a_number(text: str) -> bool:
    """Whether ``text`` holds eleven digits in a row, which both an ID number and a phone need."""
    return _DIGIT_RUN.search(text) is not None


#: an id (a household's, an event's): its last group of twelve hex digits holds eleven decimal digits in a row
#: about once in a hundred, which the phone's pattern would take (``…-c172****2563``)
_UUID = re.compile(r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})")


def mask_text(text: str) -> str:
    """Mask every ID or phone number that slipped into free text; ids (uuids) are left whole, so a log line or a
    message keeps the household and event it names. Every value of every log line comes here (logging.py), and
    almost none holds a run of eleven digits: one plain search for it spares them the masking passes (~12 → ~8 µs
    a line of eight values, issue 18)."""
    if len(text) < 11 or not may_hold_a_number(text):
        return text
    pieces = _UUID.split(text)  # the uuids at the odd places
    pieces[::2] = [_mask_numbers(piece) for piece in pieces[::2]]
    return "".join(pieces)


def _mask_numbers(text: str) -> str:
    text = ID_NUMBER.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], text)
    return PHONE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
