"""structlog JSON logs with the correlation id of the request or event, and PII masked.

One configuration for every line a process writes: structlog's own loggers and the standard library's
(uvicorn, aiokafka, alembic, SQLAlchemy ...) go through the same processors, so the masking of ID
numbers and phones applies to all of them, and an operator's log pipeline reads one JSON shape.
"""

import logging
import sys

import structlog
from asgi_correlation_id import correlation_id

from backstop_common.privacy import mask_text

#: libraries that install handlers of their own (uvicorn) or log through the standard library
LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "aiokafka", "alembic", "sqlalchemy", "httpx")


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


class _CurrentStream(logging.StreamHandler):
    """Writes to whatever sys.stdout/sys.stderr is at the time (test capture swaps them)."""

    def __init__(self, to_stderr: bool):
        super().__init__()
        self._to_stderr = to_stderr

    @property
    def stream(self):
        return sys.stderr if self._to_stderr else sys.stdout

    @stream.setter
    def stream(self, _):
        pass


def _shared_processors() -> list:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_correlation_id,
    ]


def _route_standard_library(renderer, level: int, to_stderr: bool) -> None:
    """Every stdlib record, whoever configured its logger before us, ends in our processors."""
    handler = _CurrentStream(to_stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(), structlog.stdlib.add_logger_name,
                           structlog.stdlib.ExtraAdder()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, _mask_pii, renderer],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True


def configure_logging(service: str, level: str = "INFO", json: bool = True, *, to_stderr: bool = False) -> None:
    """``to_stderr`` for commands whose stdout is their answer (``backstop migrate``)."""
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    numeric = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[*_shared_processors(), structlog.processors.format_exc_info, _mask_pii, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr if to_stderr else None),
        cache_logger_on_first_use=False,
    )
    _route_standard_library(renderer, numeric, to_stderr)
    structlog.contextvars.bind_contextvars(service=service)
