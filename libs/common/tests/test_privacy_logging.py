import json

import structlog
from asgi_correlation_id import correlation_id

from backstop_common.logging import configure_logging
from backstop_common.privacy import mask_id_number, mask_phone, mask_text

ID = "11010519491231002X"
PHONE = "13812345678"


def test_masks():
    assert mask_id_number(ID) == "110105********002X"
    assert mask_phone(PHONE) == "138****5678"
    masked = mask_text(f"id={ID}, tel {PHONE}; amount 1234567.89; household 86300000184649")
    assert ID not in masked and PHONE not in masked
    assert "1234567.89" in masked and "86300000184649" in masked


def test_log_lines_are_json_masked_and_carry_the_correlation_id(capsys):
    configure_logging("test", "INFO", json=True)
    token = correlation_id.set("corr-123")
    try:
        structlog.get_logger().info("member.added", note=f"cadre typed {ID} and {PHONE}")
    finally:
        correlation_id.reset(token)
        structlog.reset_defaults()  # the configured logger holds capsys' stream, closed after this test
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["event"] == "member.added"
    assert line["correlation_id"] == "corr-123" and line["service"] == "test"
    assert ID not in line["note"] and PHONE not in line["note"]
