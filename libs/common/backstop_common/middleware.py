"""Pure ASGI middleware for every request: the language, the request id, the body limit, and metrics with one log
line — a service's four in one layer (``RequestEntry``), each also alone (the console's, the tests').

Written as plain ASGI callables rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware
runs each request through an extra task and memory stream, which cost the hot read paths ~10 % of
their CPU (bench/RESULTS.md).
"""

import logging
import time
import uuid

import structlog
from asgi_correlation_id import correlation_id
from asgi_correlation_id.middleware import FAILED_VALIDATION_MESSAGE, is_valid_uuid4
from starlette.datastructures import Headers, MutableHeaders

from backstop_common.metrics import HTTP_LATENCY, HTTP_REQUESTS
from backstop_common.i18n import msg, negotiate, set_language, set_service
from backstop_common.problems import problem_response

log = structlog.get_logger()
QUIET = ("/healthz", "/readyz", "/metrics")
#: the request id's header, taken from the caller or made, sent back on the answer (asgi_correlation_id's)
REQUEST_ID = "X-Request-ID"


def _refusal(length: str | None, max_bytes: int, path: str):
    """The 413 problem when Content-Length says the body is larger than ``max_bytes`` (or is not a number)."""
    if length is not None and (not length.isdigit() or int(length) > max_bytes):
        return problem_response(413, msg("the request body is larger than {max_bytes} bytes", max_bytes=max_bytes),
                                instance=path)
    return None


class BodyLimit:
    """413 before the body is read when Content-Length says it is too large (or is not a number)."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            refused = _refusal(Headers(scope=scope).get("content-length"), self.max_bytes, scope["path"])
            if refused is not None:
                return await refused(scope, receive, send)
        await self.app(scope, receive, send)


class Language:
    """The answer's language from ``Accept-Language`` (zh-CN unless the caller prefers English), and the
    service whose catalogue translates it — for everything the request runs, error handlers included."""

    def __init__(self, app, package: str):
        self.app, self.package = app, package

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            set_language(negotiate(Headers(scope=scope).get("accept-language")))
            set_service(self.package)
        await self.app(scope, receive, send)


class RequestMetrics:
    """Counts and times every request by route template, and logs ``http.request``."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        await _measured(self.app, scope, receive, send)


class RequestEntry:
    """A service's four layers in one, in their order: the answer's language (``Language``), the request id
    (asgi_correlation_id's ``CorrelationIdMiddleware``: the caller's ``X-Request-ID`` if it is a uuid, else a new
    one, in the log's context and on the answer), the body limit (``BodyLimit``: its 413 is not in the metrics) and
    the metrics with the log line (``RequestMetrics``). One pass over the headers and one wrapper of ``send``,
    where the four layers parsed them three times and wrapped it twice: their entries and send wrappers were ~13 %
    of the registry's CPU on the income write at 200 writes/s (bench/RESULTS.md, session 17 — issue 18)."""

    def __init__(self, app, package: str, max_bytes: int):
        self.app, self.package, self.max_bytes = app, package, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        wanted = {b"accept-language": None, b"x-request-id": None, b"content-length": None}
        for name, value in scope["headers"]:
            if name in wanted and wanted[name] is None:
                wanted[name] = value.decode("latin-1")
        set_language(negotiate(wanted[b"accept-language"]))
        set_service(self.package)
        correlation_id.set(_request_id(scope, wanted[b"x-request-id"]))
        refused = _refusal(wanted[b"content-length"], self.max_bytes, scope["path"])
        if refused is not None:
            return await refused(scope, receive, _sender(send, [0], tagged=True))
        await _measured(self.app, scope, receive, send, tagged=True)


def _request_id(scope, given: str | None) -> str:
    """The caller's request id, or a new one when it sent none or one that is not a uuid (written into the
    request's headers then, as asgi_correlation_id does)."""
    if given and is_valid_uuid4(given):
        return given
    made = uuid.uuid4().hex
    if given:
        logging.getLogger("asgi_correlation_id").warning(FAILED_VALIDATION_MESSAGE, made)
    MutableHeaders(scope=scope)[REQUEST_ID] = made
    return made


def _sender(send, status: list[int], tagged: bool = False):
    """``send``, noting the answer's status — and with ``tagged``, adding the request id's header to it."""

    async def sending(message):
        if message["type"] == "http.response.start":
            status[0] = message["status"]
            if tagged and (request_id := correlation_id.get()):
                MutableHeaders(scope=message).append(REQUEST_ID, request_id)
        await send(message)

    return sending


async def _measured(app, scope, receive, send, tagged: bool = False) -> None:
    """The request counted and timed by route template, and logged (``http.request``)."""
    started, status = time.perf_counter(), [500]
    try:
        await app(scope, receive, _sender(send, status, tagged))
    finally:
        _observe(scope, status[0], time.perf_counter() - started)


def _observe(scope, status: int, elapsed: float) -> None:
    path = getattr(scope.get("route"), "path", "unmatched")
    method = scope["method"]
    HTTP_REQUESTS.labels(method, path, str(status)).inc()
    HTTP_LATENCY.labels(method, path).observe(elapsed)
    if path not in QUIET:
        log.info("http.request", method=method, route=path, status=status, ms=round(elapsed * 1000, 1))

