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


def test_every_library_logs_through_the_same_masked_json(capsys):
    """uvicorn configures its own handlers first; aiokafka and alembic use the standard library."""
    import logging

    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from backstop_common.app import ServiceSpec, create_app
    from backstop_common.asyncapi import EventCatalog
    from backstop_common.settings import ServiceSettings

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    uvicorn.Config("nowhere:app", log_config=LOGGING_CONFIG).configure_logging()  # what `uvicorn` does first
    create_app(ServiceSpec(name="probe", title="probe", settings=ServiceSettings(backstop_env="dev"),
                           catalog=EventCatalog("probe")))
    try:
        logging.getLogger("uvicorn.error").info("Started server process for %s", ID)
        logging.getLogger("aiokafka.consumer.group_coordinator").warning("member %s left: %s", "c-1", PHONE)
        logging.getLogger("alembic.runtime.migration").info("Running upgrade -> 0002, note %s", ID)
        structlog.get_logger().info("member.added", note=ID)
    finally:
        structlog.reset_defaults()
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    lines = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    by_logger = {line.get("logger", "structlog"): line for line in lines}
    assert {"uvicorn.error", "aiokafka.consumer.group_coordinator", "alembic.runtime.migration",
            "structlog"} <= set(by_logger)
    for line in lines:
        assert ID not in json.dumps(line) and PHONE not in json.dumps(line), line
        assert line["service"] == "probe" and line["level"] in ("info", "warning") and "timestamp" in line
    assert "110105********002X" in by_logger["uvicorn.error"]["event"]
