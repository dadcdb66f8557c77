"""structlog JSON logs with the correlation id of the request or event, and PII masked."""

import logging
import sys

import structlog
from asgi_correlation_id import correlation_id

from backstop_common.privacy import mask_text


def _add_correlation_id(_, __, event_dict):
    cid = correlation_id.get()
    if cid and "correlation_id" not in event_dict:
        event_dict["correlation_id"] = cid
    return event_dict


def _mask_pii(_, __, event_dict):
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = mask_text(value)
    return event_dict


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_correlation_id,
            structlog.processors.format_exc_info,
            _mask_pii,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.bind_contextvars(service=service)
