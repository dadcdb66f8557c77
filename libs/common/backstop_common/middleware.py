"""Pure ASGI middleware for every request: the language, the body limit, and metrics with one log line.

Written as plain ASGI callables rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware
runs each request through an extra task and memory stream, which cost the hot read paths ~10 % of
their CPU (bench/RESULTS.md).
"""

import time

import structlog
from starlette.datastructures import Headers

from backstop_common.metrics import HTTP_LATENCY, HTTP_REQUESTS
from backstop_common.i18n import msg, negotiate, set_language, set_service
from backstop_common.problems import problem_response

log = structlog.get_logger()
QUIET = ("/healthz", "/readyz", "/metrics")


class BodyLimit:
    """413 before the body is read when Content-Length says it is too large (or is not a number)."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            length = Headers(scope=scope).get("content-length")
            if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
                response = problem_response(413, msg("the request body is larger than {max_bytes} bytes",
                                                                max_bytes=self.max_bytes),
                                            instance=scope["path"])
                return await response(scope, receive, send)
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
        started, status = time.perf_counter(), [500]

        async def sending(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            _observe(scope, status[0], time.perf_counter() - started)


def _observe(scope, status: int, elapsed: float) -> None:
    path = getattr(scope.get("route"), "path", "unmatched")
    method = scope["method"]
    HTTP_REQUESTS.labels(method, path, str(status)).inc()
    HTTP_LATENCY.labels(method, path).observe(elapsed)
    if path not in QUIET:
        log.info("http.request", method=method, route=path, status=status, ms=round(elapsed * 1000, 1))

