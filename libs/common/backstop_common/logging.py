"""structlog JSON logs with the correlation id of the request or event, and PII masked.

One configuration for every line a process writes: structlog's own loggers and the standard library's
(uvicorn, aiokafka, alembic, SQLAlchemy ...) go through the same processors, so the masking of ID
numbers and phones applies to all of them, and an operator's log pipeline reads one JSON shape.

The chain writes what structlog's stock processors wrote (``merge_contextvars``, ``add_log_level``, an ISO UTC
``TimeStamper``, the correlation id, ``JSONRenderer``; ``libs/common/tests/test_privacy_logging.py`` holds the two
to the same line), with less work a line: level, time and correlation id in one processor, one JSON encoder built
once, one writer (issue 18: a line cost ~17 µs, the lazy logger's assembly ~2.5 µs of it even where the level drops
the line).
"""

import json
import logging
import sys
import threading
from datetime import UTC, datetime

import structlog
from asgi_correlation_id import correlation_id

from backstop_common.privacy import mask_text, may_hold_a_number

#: libraries that install handlers of their own (uvicorn) or log through the standard library
LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "aiokafka", "alembic", "sqlalchemy", "httpx")
#: a logging method's name as the line's level (structlog's ``add_log_level``: ``warn`` and ``exception`` are aliases)
_LEVEL_OF_METHOD = {"warn": "warning", "exception": "error"}


def _stamp(_, method_name, event_dict):
    """The line's level, its time (ISO 8601, UTC written ``Z``) and the correlation id of the request or event."""
    event_dict["level"] = _LEVEL_OF_METHOD.get(method_name, method_name)
    event_dict["timestamp"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    cid = correlation_id.get()
    if cid and "correlation_id" not in event_dict:
        event_dict["correlation_id"] = cid
    return event_dict


def _mask_pii(_, __, event_dict):
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = mask_text(value)
    return event_dict


def _unserialisable(value):
    """A value JSON has no type for, as structlog's renderer writes it: its ``__structlog__()``, else its repr."""
    try:
        return value.__structlog__()
    except AttributeError:
        return repr(value)


#: ``json.dumps(..., default=)`` builds an encoder a call; this one is built once and writes the same text
_ENCODER = json.JSONEncoder(default=_unserialisable)


def _render_json(_, __, event_dict) -> str:
    """The line as JSON, ID numbers and phones masked in its text values. A text keeps its digits as they are in
    the JSON, so a line without eleven digits in a row has nothing to mask (almost every line): one search of the
    line instead of one a value (~3 µs a line). One with such a run is masked value by value and written again."""
    line = _ENCODER.encode(event_dict)
    return _ENCODER.encode(_mask_pii(None, None, event_dict)) if may_hold_a_number(line) else line


class _Lines:
    """Where structlog's lines go: the stream of the moment (test capture swaps sys.stdout), one write a line.

    Each line is flushed as it is written, as structlog's ``PrintLogger`` did: a service's stdout is a file or a
    pipe, block-buffered, and a line left in the buffer is lost when the process is killed (the OOM killer, a
    container's stop timing out) — the lines just before such an end are the ones an operator needs. The flush is
    one system call a line (~1–2 µs); not worth a lost line."""

    def __init__(self, to_stderr: bool):
        self._to_stderr = to_stderr
        self._lock = threading.Lock()  # a line from a worker thread (the import's) is never cut into another

    def msg(self, message: str) -> None:
        stream = sys.stderr if self._to_stderr else sys.stdout
        with self._lock:
            stream.write(message + "\n")
            stream.flush()

    log = debug = info = warn = warning = err = error = critical = exception = fatal = failure = msg


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
    return [structlog.contextvars.merge_contextvars, _stamp]


def _rendering(json: bool) -> list:
    """The chain's end: the values masked and the line written (the JSON renderer masks as it goes)."""
    return [_render_json] if json else [_mask_pii, structlog.dev.ConsoleRenderer()]


def _route_standard_library(rendering: list, level: int, to_stderr: bool) -> None:
    """Every stdlib record, whoever configured its logger before us, ends in our processors."""
    handler = _CurrentStream(to_stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(), structlog.stdlib.add_logger_name,
                           structlog.stdlib.ExtraAdder()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, *rendering],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True


def configure_logging(service: str, level: str = "INFO", json: bool = True, *, to_stderr: bool = False) -> None:
    """``to_stderr`` for commands whose stdout is their answer (``backstop migrate``).

    Loggers are assembled on every call, not cached on first use (``cache_logger_on_first_use``, ~1.5 µs a call
    less): a module logger used once before this configuration would keep structlog's defaults — no masking — for
    the life of the process, and one used before a second configuration (a test's, another level) its first."""
    rendering = _rendering(json)
    numeric = logging.getLevelName(level.upper())
    lines = _Lines(to_stderr)
    structlog.configure(
        processors=[*_shared_processors(), structlog.processors.format_exc_info, *rendering],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=lambda *_: lines,
        cache_logger_on_first_use=False,
    )
    _route_standard_library(rendering, numeric, to_stderr)
    structlog.contextvars.bind_contextvars(service=service)
