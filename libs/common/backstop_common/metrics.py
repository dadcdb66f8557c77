"""Prometheus metrics at ``/metrics``, all named ``backstop_*``: what an operator alerts on.

Counters and histograms are updated where things happen (requests, the relay, the consumer); the gauges
that describe state (outbox backlog, pool use) are read when Prometheus scrapes, so they are never stale.
Alert rules and the dashboard built on these names: ``deploy/prometheus/``, ``deploy/grafana/``.
"""

import asyncio
from datetime import UTC, datetime

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.responses import Response

NAMESPACE = "backstop"
log = structlog.get_logger()

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests by route template and status",
                        ["method", "route", "status"], namespace=NAMESPACE)
HTTP_LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency by route template",
                         ["method", "route"], namespace=NAMESPACE)
OUTBOX_PUBLISHED = Counter("outbox_published_total", "Outbox events published to the broker", namespace=NAMESPACE)
OUTBOX_UNSENT = Gauge("outbox_unsent_events", "Outbox rows not yet published (the backlog)", namespace=NAMESPACE)
OUTBOX_OLDEST_AGE = Gauge("outbox_oldest_unsent_age_seconds", "Age of the oldest unpublished outbox row (0 if none)",
                          namespace=NAMESPACE)
EVENTS_APPLIED = Counter("events_consumed_total", "Events consumed", ["type", "outcome"], namespace=NAMESPACE)
EVENTS_DEAD_LETTERED = Counter("events_dead_lettered_total", "Records this service sent to a DLQ",
                               ["topic"], namespace=NAMESPACE)
CONSUMER_RETRIES = Counter("consumer_retries_total", "Handler attempts that failed and were retried",
                           ["topic", "reason"], namespace=NAMESPACE)
CONSUMER_LAG = Gauge("consumer_lag_records", "Records on the partition not yet applied by this service's group",
                     ["topic", "partition"], namespace=NAMESPACE)
DB_POOL = Gauge("db_pool_connections", "Database pool connections by state", ["state"], namespace=NAMESPACE)
DB_POOL_LIMIT = Gauge("db_pool_limit_connections", "Most connections the pool opens (size + overflow)",
                      namespace=NAMESPACE)

#: a scrape must answer even when the database does not: the backlog gauges then keep their last value
SCRAPE_QUERY_TIMEOUT_S = 2.0
BACKLOG = "SELECT count(*), min(created_at) FROM outbox WHERE sent_at IS NULL"


async def read_outbox_backlog(engine) -> None:
    from sqlalchemy import text  # here: a process without a database (the console) never loads SQLAlchemy

    try:
        async with engine.connect() as conn:
            unsent, oldest = (await asyncio.wait_for(conn.execute(text(BACKLOG)), SCRAPE_QUERY_TIMEOUT_S)).one()
    except (Exception, asyncio.TimeoutError) as exc:
        log.warning("metrics.backlog_unreadable", error=repr(exc)[:200])
        return
    OUTBOX_UNSENT.set(unsent)
    OUTBOX_OLDEST_AGE.set((datetime.now(UTC) - oldest).total_seconds() if oldest else 0)


def read_pool(engine) -> None:
    pool = engine.pool
    checked_out = pool.checkedout()
    DB_POOL.labels("checked_out").set(checked_out)
    DB_POOL.labels("idle").set(pool.checkedin())
    DB_POOL.labels("overflow").set(max(pool.overflow(), 0))
    DB_POOL_LIMIT.set(pool.size() + max(getattr(pool, "_max_overflow", 0), 0))


async def read_service_state(engine) -> None:
    """The gauges a scrape reads from a service's database: pool use and the outbox backlog."""
    read_pool(engine.sync_engine)
    await read_outbox_backlog(engine)


def metrics_endpoint() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
