import json
import sys

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


def _written(configure, monkeypatch) -> list[str]:
    """The lines a few calls write once ``configure`` has run, their times blanked."""
    import io
    import logging
    import re
    import uuid
    from decimal import Decimal

    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure()
    log = structlog.get_logger()
    token = correlation_id.set("corr-9")
    try:
        log.info("payment.recorded", amount=Decimal("12.50"), household_id=uuid.UUID(int=7), note=f"户主 {ID} {PHONE}")
        log.warning("event.handler_failed", correlation_id="given", attempt=2, ms=1e16, done=None, tags=["a", 1])
        log.info("shadowed", level="mine", timestamp="mine")
        try:
            raise ValueError(f"row 3: {ID}")
        except ValueError:
            log.exception("job.failed", job="sweep")
        logging.getLogger("aiokafka.consumer").warning("member %s left", PHONE)
        log.debug("below the level")
    finally:
        correlation_id.reset(token)
        structlog.reset_defaults()
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    return re.sub(r'"timestamp": "[^"]*"', '"timestamp": "T"', out.getvalue()).splitlines()


def test_the_chain_writes_the_lines_structlogs_stock_processors_wrote(monkeypatch):
    """The kernel's chain (one processor for level, time and correlation id; one encoder) writes byte for byte what
    structlog's own processors did: the keys in their order, the values (a UUID or a Decimal as its repr, an ID
    number masked, Chinese escaped), the exception, a standard library's line."""
    import logging

    from backstop_common import logging as kernel_logging

    def stock() -> None:
        def correlated(_, __, event_dict):
            if (cid := correlation_id.get()) and "correlation_id" not in event_dict:
                event_dict["correlation_id"] = cid
            return event_dict

        shared = [structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
                  structlog.processors.TimeStamper(fmt="iso", utc=True), correlated]
        renderer = structlog.processors.JSONRenderer()
        structlog.configure(processors=[*shared, structlog.processors.format_exc_info, kernel_logging._mask_pii,
                                        renderer],
                            wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
                            logger_factory=structlog.PrintLoggerFactory(), cache_logger_on_first_use=False)
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name, structlog.stdlib.ExtraAdder()],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                        structlog.processors.format_exc_info, kernel_logging._mask_pii, renderer]))
        logging.getLogger().handlers[:] = [handler]
        logging.getLogger().setLevel(logging.INFO)
        structlog.contextvars.bind_contextvars(service="probe")

    expected = _written(stock, monkeypatch)
    assert len(expected) == 5 and ID not in "".join(expected) and PHONE not in "".join(expected)
    assert _written(lambda: configure_logging("probe", "INFO"), monkeypatch) == expected
