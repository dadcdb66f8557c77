"""Prometheus metrics at ``/metrics``: HTTP requests and the event plumbing."""

import time

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency", ["method", "route"])
OUTBOX_PUBLISHED = Counter("outbox_published_total", "Outbox events published to the broker")
EVENTS_APPLIED = Counter("events_consumed_total", "Events consumed", ["type", "outcome"])
EVENTS_DEAD_LETTERED = Counter("events_dead_lettered_total", "Events sent to a DLQ", ["topic"])
log = structlog.get_logger()


async def metrics_middleware(request: Request, call_next):
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    path = getattr(route, "path", "unmatched")
    HTTP_REQUESTS.labels(request.method, path, str(response.status_code)).inc()
    elapsed = time.perf_counter() - started
    HTTP_LATENCY.labels(request.method, path).observe(elapsed)
    if path not in ("/healthz", "/readyz", "/metrics"):
        log.info("http.request", method=request.method, route=path, status=response.status_code,
                 ms=round(elapsed * 1000, 1))
    return response


def metrics_endpoint() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
