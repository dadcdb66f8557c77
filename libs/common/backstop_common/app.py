"""One factory builds every service's FastAPI app: lifespan, middleware, health, metrics, events."""

import asyncio
import contextlib
from datetime import timedelta
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from starlette.middleware.cors import CORSMiddleware
from sqlalchemy import text

from backstop_common.asyncapi import EventCatalog
from backstop_common.auth import AreaInScope
from backstop_common.broker_watch import BrokerWatch
from backstop_common.clock import Clock
from backstop_common.consumer import BatchHandler, EventConsumer, FetchHandler, Handler, freeze_start_up
from backstop_common.db import create_engine, create_session_factory, plain_url
from backstop_common.freshness import Freshness
from backstop_common.hot import HotRoute, HotRoutes
from backstop_common import idempotency
from backstop_common.idempotency import Idempotency
from backstop_common.i18n import ensure_catalogue, msg
from backstop_common.kafka import Publisher, broker_answers_metadata
from backstop_common.logging import configure_logging
from backstop_common.metrics import metrics_endpoint, read_service_state
from backstop_common.middleware import RequestEntry
from backstop_common.openapi import document_problems, operation_ids
from backstop_common.ops_schemas import AsyncApiDocument, Health, Position, Ready
from backstop_common.outbox import OutboxRelay, retention as outbox_retention
from backstop_common.problems import install_database_problem_handlers, install_problem_handlers, problem_response
from backstop_common.settings import InsecureSettings, ServiceSettings  # noqa: F401  (InsecureSettings: re-exported)
from backstop_common.uow import UnitOfWork
from backstop_common.vocab import vocab_router

log = structlog.get_logger()
CORS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
CORS_HEADERS = ["Authorization", "Content-Type", "Accept-Language", "If-Match", "If-None-Match", "Idempotency-Key",
                "X-Request-ID"]
CORS_EXPOSED = ["ETag", "Content-Language", "Retry-After", "X-Request-ID", "Idempotent-Replayed", "Location"]
BackgroundJob = Callable[[FastAPI], Awaitable[None]]
#: FastAPI's OpenTelemetry spans, metrics and logs, off: Backstop reports through its own metrics and log lines
#: (middleware.py) and configures no OpenTelemetry provider, yet FastAPI asked the OpenTelemetry API for its three
#: providers on every request to find that out — ~6 µs of the ~8 its app layer costs a request (issue 18)
NO_TELEMETRY = {"tracing": False, "metrics": False, "logs": False}


@dataclass
class ServiceSpec:
    name: str
    title: str
    settings: ServiceSettings
    catalog: EventCatalog
    routers: list[APIRouter] = field(default_factory=list)
    handlers: dict[str, Handler] = field(default_factory=dict)
    #: set-based handlers of a fetched run of one type (consumer.py ``BatchHandler``); each type also in ``handlers``
    batch_handlers: dict[str, BatchHandler] = field(default_factory=dict)
    #: or one set-based handler of a partition's whole fetch, every type mixed, in order (consumer.py ``FetchHandler``)
    fetch_handler: FetchHandler | None = None
    background: list[BackgroundJob] = field(default_factory=list)
    version: str = "0.1.0"
    #: the app's clock (clock.py); a fresh real-time one unless a test or a demo hands one in
    clock: Clock | None = None
    #: routes served below FastAPI on their happy path (hot.py); their own asyncpg pool is opened for them
    hot_routes: list[HotRoute] = field(default_factory=list)


async def _bounded(what: str, awaitable, seconds: float = 10.0) -> None:
    """A shutdown step that hangs (a broker gone, a connection stuck) must not hold the process forever."""
    try:
        async with asyncio.timeout(seconds):
            await awaitable
    except TimeoutError:
        log.warning("service.stop_timed_out", step=what, seconds=seconds)


def _refuse_weak_secret(settings: ServiceSettings) -> None:
    problem = settings.secret_problem()
    if problem:
        log.error("service.refused_to_start", reason=problem)
        raise InsecureSettings(problem)


async def _session_kept(connection) -> None:
    """The hot pool's reset: nothing. Hot handlers leave no session state (no SET, LISTEN, cursor or advisory
    lock — hot.py); an open transaction is all a connection could keep, and asyncpg rolls that back before it
    calls this. The default reset query (``RESET ALL; UNLISTEN *; CLOSE ALL; …``) was a round trip a request,
    ~0.4 ms of the server's CPU on this machine (bench/RESULTS.md, session 7 — writes)."""


async def _hot_pool(spec: ServiceSpec):
    if not spec.hot_routes:
        return None
    import asyncpg

    return await asyncpg.create_pool(plain_url(spec.settings.database_url), min_size=1,
                                     max_size=spec.settings.db_hot_pool_size, reset=_session_kept,
                                     server_settings={"application_name": f"{spec.name}-hot"})


def _lifespan(spec: ServiceSpec):
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = spec.settings
        configure_logging(spec.name, settings.log_level, settings.log_json)
        _refuse_weak_secret(settings)
        engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
        sessions = create_session_factory(engine)
        publisher = Publisher(settings)
        watch = BrokerWatch(sessions, settings)
        relay = OutboxRelay(sessions, publisher, settings, watch)
        app.state.engine, app.state.sessions, app.state.publisher, app.state.relay = engine, sessions, publisher, relay
        app.state.hot_pool = await _hot_pool(spec)
        app.state.consumer = None
        tasks = []
        if settings.relay_enabled:
            tasks.append(asyncio.create_task(relay.run(), name="outbox-relay"))
        if settings.consumers_enabled and spec.handlers:
            consumer = EventConsumer(settings=settings, session_factory=sessions, publisher=publisher,
                                     handlers=spec.handlers, topics=spec.catalog.consumed_topics,
                                     models=spec.catalog.consumed_models(),
                                     on_commit=relay.wake, clock=app.state.clock,
                                     batch_handlers=spec.batch_handlers, fetch_handler=spec.fetch_handler)
            app.state.consumer = consumer
            tasks.append(asyncio.create_task(consumer.run(), name="consumer"))
        # every service keeps a day of Idempotency-Keys and outbox_retention_days of sent events
        jobs = [*spec.background, idempotency.purge.job, outbox_retention]
        tasks += [asyncio.create_task(job(app), name=job.__name__) for job in jobs]
        freeze_start_up()  # start-up's objects live as long as the process: full collections skip them
        log.info("service.started", service=spec.name)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await _bounded("tasks", asyncio.gather(*tasks, return_exceptions=True))
            await _bounded("publisher", publisher.close())
            await _bounded("broker watch", watch.close())
            await _bounded("engine", engine.dispose())
            if app.state.hot_pool is not None:
                await _bounded("hot pool", app.state.hot_pool.close())
            log.info("service.stopped", service=spec.name)

    return lifespan


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    app = request.app
    held = getattr(request.state, "idempotency", None)
    if held is not None:  # the Idempotency middleware holds the transaction and commits it
        yield UnitOfWork(held.session, app.state.settings.service_name, app.state.relay.wake, defer_to=held,
                         clock=app.state.clock)
        return
    async with app.state.sessions() as session:
        yield UnitOfWork(session, app.state.settings.service_name, app.state.relay.wake, clock=app.state.clock)


UoW = Annotated[UnitOfWork, Depends(get_uow)]


def get_freshness(request: Request) -> Freshness:
    return Freshness(request.app.state.consumer)


#: route dependency: whether this service's read models may be behind their publishers (freshness.py)
ReadModel = Annotated[Freshness, Depends(get_freshness)]


def _ops_routes(app: FastAPI, spec: ServiceSpec) -> None:
    @app.get("/healthz", tags=["ops"])
    async def healthz() -> Health:
        """存活检查 — the process answers.

        Liveness: the service's process is up (touches neither the database nor the broker)."""
        return Health(status="ok", service=spec.name)

    @app.get("/readyz", tags=["ops"], response_model=Ready)
    async def readyz(request: Request):
        """就绪检查 — database and broker reachable.

        Readiness: 200 when the database and the broker answer, otherwise a 503 problem naming what is unreachable."""
        checks = {"database": False, "broker": False}
        try:
            async with request.app.state.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), 2)
            checks["database"] = True
        except (Exception, asyncio.TimeoutError):
            pass
        checks["broker"] = await broker_answers_metadata(spec.settings.kafka_bootstrap_servers)
        if all(checks.values()):
            return {"status": "ready", "checks": checks}
        failing = ", ".join(k for k, ok in checks.items() if not ok)
        return problem_response(503, msg("not ready: {failing} unreachable", failing=failing), checks=checks)

    @app.get("/_ops/position", tags=["ops"])
    async def position(request: Request) -> Position:
        """处理进度 — outbox and consumer position.

        How far this service has got: its events not yet published, and its consumer against the log's end.

        `backstop up` waits on it before saying the stack is up; operators read it as the service's lag."""
        async with request.app.state.engine.connect() as conn:
            unsent = (await conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))).scalar_one()
        consumer = request.app.state.consumer
        return {"service": spec.name, "outbox_unsent": unsent, "broker_checked": request.app.state.relay.broker_checked,
                "consumer": await consumer.report() if consumer else None}

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics(request: Request):
        await read_service_state(request.app.state.engine)
        return metrics_endpoint()

    if spec.settings.clock_control_enabled:
        @app.post("/_ops/clock", tags=["ops"], include_in_schema=False)
        async def advance_clock(request: Request, seconds: float) -> dict:
            request.app.state.clock.advance(timedelta(seconds=seconds))
            return {"now": request.app.state.clock.now().isoformat()}

    @app.get("/asyncapi.json", tags=["ops"])
    async def asyncapi() -> AsyncApiDocument:
        """事件契约 — this service's AsyncAPI 3.0 document.

        The events this service publishes and consumes: topics, CloudEvents envelope and payload schemas."""
        return AsyncApiDocument.model_validate(
            spec.catalog.asyncapi(spec.title, spec.version, spec.settings.kafka_bootstrap_servers))


def create_app(spec: ServiceSpec) -> FastAPI:
    # at build time too: uvicorn logs "Started server process" after importing the app, before the lifespan
    configure_logging(spec.name, spec.settings.log_level, spec.settings.log_json)
    ensure_catalogue(spec.name)
    app = FastAPI(title=spec.title, version=spec.version, lifespan=_lifespan(spec),
                  generate_unique_id_function=operation_ids(), telemetry=NO_TELEMETRY)
    app.state.settings = spec.settings
    app.state.spec = spec
    app.state.clock = spec.clock or Clock()
    install_problem_handlers(app)
    install_database_problem_handlers(app)
    if spec.hot_routes:  # innermost: inside Idempotency (a keyed request goes to FastAPI) and the metrics
        app.add_middleware(HotRoutes, routes=spec.hot_routes)
    app.add_middleware(Idempotency)
    # the language, the request id, the body limit, the metrics: one layer (middleware.py)
    app.add_middleware(RequestEntry, package=spec.name, max_bytes=spec.settings.max_body_bytes)
    if spec.settings.allowed_origins:  # outermost: a preflight is answered before anything else runs
        app.add_middleware(CORSMiddleware, allow_origins=spec.settings.allowed_origins, allow_methods=CORS_METHODS,
                           allow_headers=CORS_HEADERS, expose_headers=CORS_EXPOSED, max_age=600)
    _ops_routes(app, spec)
    for router in spec.routers:
        app.include_router(router, prefix="/api/v1", dependencies=[AreaInScope])
    app.include_router(vocab_router(spec.name), prefix="/api/v1")
    document_problems(app)
    return app
