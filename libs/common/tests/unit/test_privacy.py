"""Masking without a server: ID numbers and phones, alone and inside free text."""

import random
import re

import pytest

from backstop_common.privacy import ID_NUMBER, PHONE, mask_id_number, mask_phone, mask_text


@pytest.mark.parametrize(("value", "masked"), [
    ("110105194912310021", "110105********0021"),
    ("11010519491231002x", "110105********002x"),
    ("123456", "******"),          # too short to show anything
    ("", ""), (None, None),
])
def test_an_id_number_keeps_its_region_and_last_four(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("13812345678", "138****5678"), ("1381234", "*******"), ("", ""), (None, None)])
def test_a_phone_keeps_its_prefix_and_last_four(value, masked):
    assert mask_phone(value) == masked


def test_free_text_loses_every_id_number_and_phone_and_keeps_other_numbers():
    text = "户主 11010519491231002X 电话13812345678，再联系 15900001111；金额 1234567.89 户编号 86300000184649"
    masked = mask_text(text)
    assert "11010519491231002X" not in masked and "13812345678" not in masked and "15900001111" not in masked
    assert "110105********002X" in masked and "138****5678" in masked
    assert "1234567.89" in masked and "86300000184649" in masked


def test_digits_inside_a_longer_number_are_not_taken_for_a_phone():
    assert mask_text("流水号 9913812345678001") == "流水号 9913812345678001"


def test_an_id_is_left_whole_where_its_last_group_looks_like_a_phone():
    """A uuid's last twelve hex digits hold eleven decimal ones about once in a hundred ids; masked like a phone,
    the household or event a line names could not be found (notifications' test_batches failed on one)."""
    household = "3f2b6c1e-9a7d-4e21-8b0c-c17212345678"
    assert PHONE.search(household)  # what the phone's pattern alone would take
    text = f"户 {household} 电话13812345678 事件 {household.upper()}"
    assert mask_text(text) == f"户 {household} 电话138****5678 事件 {household.upper()}"
    assert mask_text(household) == household


def _both_passes(text: str) -> str:
    """The two masking passes on every text, whatever it holds: what the search for a run of digits must not change."""
    text = ID_NUMBER.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], text)
    return PHONE.sub(lambda m: m.group(1) + "****" + m.group(3), text)


def test_texts_without_a_run_of_eleven_digits_are_left_as_the_masking_would_leave_them():
    pieces = ["13812345678", "11010519491231002X", "110105194912310021", "1", "9", "0", "x", "X", "a", " ", "-",
              "号", "*", "15900001111", "123456789012345", "1381234567", "138123456789"]
    draw = random.Random(18)
    texts = ["".join(draw.choice(pieces) for _ in range(draw.randint(1, 12))) for _ in range(20_000)]
    texts += [re.sub(r"\s", "", t) for t in texts[:2_000]]
    assert [mask_text(t) for t in texts] == [_both_passes(t) for t in texts]
    assert sum(mask_text(t) != t for t in texts) > 5_000  # a third hold something to mask
