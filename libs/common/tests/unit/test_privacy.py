"""Masking without a server: ID numbers and phones, alone and inside free text."""

import pytest

from backstop_common.privacy import mask_id_number, mask_phone, mask_text


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
