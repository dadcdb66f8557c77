"""pytest plugin: real PostgreSQL and the real broker for every test session, and one service under test.

Loaded for every run (``pytest.ini``: ``-p backstop_common.testing``). Nothing here is a mock: the fixtures
start the same embedded PostgreSQL 18 and Tansu broker that ``backstop up`` starts.

A service's ``tests/conftest.py`` says which service it tests, and gets ``settings`` (a fresh database
with its migrations), ``clock`` (the app's, tests move it), ``app`` (lifespan running for the session) and
``client`` (HTTP on that app) from here; it keeps only fixtures of its own::

    @pytest.fixture(scope="session")
    def service() -> ServiceUnderTest:
        return ServiceUnderTest("funds", Settings, build_app, {"sweep_interval_s": 0.2})
"""

import asyncio
import contextlib
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI

from backstop_common import devstack, topics
from backstop_common.auth import mint_token
from backstop_common.clock import Clock
from backstop_common.envelope import Event, from_kafka
from backstop_common.kafka import ensure_topics
from backstop_common.settings import ServiceSettings

# the tests run the one-machine mode: the dev secret signs and verifies their tokens
os.environ.setdefault("BACKSTOP_ENV", "dev")


#: every process a test session starts inherits this variable with the session's own value (PostgreSQL,
#: the broker, `backstop up` and its services); one still carrying it when the session ends was left running
SESSION_MARK = "BACKSTOP_TEST_SESSION"
_previous_mark = pytest.StashKey[str | None]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_previous_mark] = os.environ.get(SESSION_MARK)
    os.environ[SESSION_MARK] = uuid.uuid4().hex


def pytest_unconfigure(config: pytest.Config) -> None:
    previous = config.stash.get(_previous_mark, None)
    if previous is None:
        os.environ.pop(SESSION_MARK, None)
    else:
        os.environ[SESSION_MARK] = previous  # a session run inside another (pytester) hands the mark back


def left_running(mark: str) -> list:
    """Processes other than this one that this session started and that are still alive."""
    import psutil

    found = []
    for proc in psutil.process_iter():
        try:
            if (proc.pid != os.getpid() and proc.status() != psutil.STATUS_ZOMBIE
                    and proc.environ().get(SESSION_MARK) == mark):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def _outermost(procs: list) -> list:
    """The processes whose parent is not among them: a server, not each of its workers.

    A PostgreSQL backend caught before it retitles itself still shows the session's mark, so a
    freshly started server would otherwise be reported once per worker."""
    import psutil

    pids = {proc.pid for proc in procs}
    outermost = []
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            if proc.ppid() not in pids:
                outermost.append(proc)
    return outermost


def _wait_gone(procs: list, timeout: float = 10.0) -> None:
    """Wait until each process is dead or a zombie (a container's pid 1 may never reap an orphan)."""
    import psutil

    deadline = time.monotonic() + timeout
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            while proc.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
                time.sleep(0.05)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the session if a server it started outlived it, and stop that server."""
    import psutil

    leftovers = left_running(os.environ.get(SESSION_MARK, ""))
    if not leftovers:
        return
    servers = _outermost(leftovers)
    lines = []
    for proc in servers:
        with contextlib.suppress(psutil.Error):
            lines.append(f"  pid {proc.pid}: {' '.join(proc.cmdline())[:200]}")
    for proc in leftovers:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    _wait_gone(leftovers)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    message = f"{len(servers)} process(es) started by this test session were left running (now killed):"
    for line in (message, *lines):
        if reporter is not None:
            reporter.write_line(line, red=True)
        else:
            print(line)


@contextlib.contextmanager
def server_home(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """A folder for the servers a test starts, outside pytest's basetemp, removed afterwards (its logs kept).

    Not under the basetemp: a pytest session starting in parallel makes ``pytest-of-<user>`` 0700 again,
    which a PostgreSQL running as another user (tests run as root) can then no longer enter, and prunes
    the basetemps of older sessions.
    """
    home = Path(tempfile.mkdtemp(prefix=f"backstop-{name}-"))
    try:
        yield home
    finally:
        kept = tmp_path_factory.mktemp(name)
        for log in home.glob("*.log"):
            shutil.copy(log, kept)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    with server_home(tmp_path_factory, "pg") as home:
        server = devstack.start_postgres(home / "data", cleanup_mode="stop")
        try:
            yield server.get_uri()
        finally:
            devstack.stop_postgres(home / "data")  # not left to an exit handler: the session checks for leftovers


@pytest.fixture(scope="session")
def broker_port() -> int:
    return devstack.free_port()


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory, broker_port):
    proc = devstack.start_broker(broker_port, tmp_path_factory.mktemp("broker") / "broker.log")
    bootstrap = f"127.0.0.1:{broker_port}"
    asyncio.run(ensure_topics(bootstrap, topics.all_with_dlq()))
    yield bootstrap
    devstack.stop(proc)


def fresh_database(pg_server: str, service: str, name: str | None = None) -> str:
    """A new database for ``service`` with its migrations applied; returns its URL."""
    url = asyncio.run(devstack.create_database(pg_server, name or f"{service}_{uuid.uuid4().hex[:8]}",
                                               recreate=True))
    devstack.migrate(service, url)
    return url


@contextlib.asynccontextmanager
async def messaging_database(pg_server: str, prefix: str, *tables, pool_size: int = 2) -> AsyncIterator[tuple[str, Any]]:
    """A new database holding the kernel's outbox, partition marks and inbox (and ``tables``, a test's own),
    for the kernel's tests of the relay and the consumer: (its URL, a session factory); the engine is disposed after."""
    from backstop_common.db import create_engine, create_session_factory  # a service's database libraries
    from backstop_common.messaging_models import InboxEntry, OutboxHeld, OutboxMark, OutboxMessage

    url = await devstack.create_database(pg_server, f"{prefix}_{uuid.uuid4().hex[:6]}", recreate=True)
    engine = create_engine(url, pool_size=pool_size)
    async with engine.begin() as conn:
        for table in (OutboxMessage.__table__, OutboxMark.__table__, OutboxHeld.__table__, InboxEntry.__table__,
                      *tables):
            await conn.run_sync(table.create)
    try:
        yield url, create_session_factory(engine)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan (relay, consumers) and give an HTTP client bound to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[FastAPI]:
    """``running`` for a fixture: the app with its client on ``app.state.client``."""
    async with running(app) as client:
        app.state.client = client
        yield app


@dataclass
class ServiceUnderTest:
    """What a service's conftest declares: its name, settings class, ``build_app(settings, clock=)``, the
    settings it changes for tests, and what to do once the app is up (e.g. load reference data)."""

    name: str
    settings: type[ServiceSettings]
    build_app: Callable[..., FastAPI]
    overrides: dict[str, Any] = field(default_factory=dict)
    started: Callable[[FastAPI], Awaitable[None]] | None = None


@pytest.fixture(scope="session")
def settings(service: ServiceUnderTest, pg_server, kafka_bootstrap) -> ServiceSettings:
    return service.settings(database_url=fresh_database(pg_server, service.name),
                            kafka_bootstrap_servers=kafka_bootstrap, **service.overrides)


@pytest.fixture(scope="session")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
async def app(service: ServiceUnderTest, settings, clock) -> AsyncIterator[FastAPI]:
    async with serving(service.build_app(settings, clock=clock)) as application:
        if service.started is not None:
            await service.started(application)
        yield application


@pytest.fixture
def client(app: FastAPI) -> httpx.AsyncClient:
    return app.state.client


def bearer(settings: ServiceSettings, role: str, area: str, **kw) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(settings, role=role, area=area, **kw)}"}


async def read_events(bootstrap: str, topic: str, until: Callable[[list[Event]], bool],
                      timeout: float = 15.0, where: Callable[[Event], bool] = lambda e: True) -> list[Event]:
    """Read ``topic`` from the beginning with a plain consumer (no group) until ``until(events)``."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await asyncio.wait_for(consumer.start(), timeout)  # a broker that never answers fails the test, never hangs it
    found: list[Event] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not until(found):
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for r in records:
                    try:
                        event = from_kafka(r.headers, r.key, r.value)
                    except ValueError:
                        continue  # a poison record (e.g. in a DLQ) is not an event
                    if where(event):
                        found.append(event)
    finally:
        await consumer.stop()
    return found


async def stop_tasks(*tasks: asyncio.Task, timeout: float = 15.0) -> None:
    """Cancel the tasks (a relay, a consumer) and wait for them, cancelling again while one runs on.

    Python 3.11's ``asyncio.wait_for`` loses a cancellation that arrives as its inner call completes, and a loop
    such as the relay's then goes round again: a single ``cancel()`` followed by an unbounded wait hung a kernel
    test for 45 minutes on a machine at load 50. Fails the test if a task is still running after ``timeout``."""
    deadline = time.monotonic() + timeout
    while any(not t.done() for t in tasks) and time.monotonic() < deadline:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=0.5)
    assert all(t.done() for t in tasks), f"still running after {timeout} s: {[t.get_name() for t in tasks]}"


async def eventually(check: Callable, timeout: float = 15.0, interval: float = 0.1):
    """Poll an async or sync ``check`` until it returns a truthy value; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(interval)


async def waiting_on_a_lock(sessions) -> bool:
    """Whether some session of the sessions' database is waiting on a lock (a row, a table, an advisory lock)."""
    from sqlalchemy import text

    async with sessions() as session:
        return bool(await session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")))


async def publish_events(bootstrap: str, topic: str, events: list[Event]) -> None:
    """Put events on the real broker exactly as another service's relay would."""
    from aiokafka import AIOKafkaProducer

    from backstop_common.envelope import to_kafka

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for event in events:
            rec = to_kafka(event)
            await producer.send_and_wait(topic, rec.value, key=rec.key, headers=rec.headers)
    finally:
        await producer.stop()


def make_event(service: str, name: str, subject, data: dict, area_code: str | None = None, **kw) -> Event:
    """An event as ``service`` would publish it (for feeding a consumer in a test)."""
    from backstop_common.envelope import event_type, source_of

    return Event(type=event_type(service, name), source=source_of(service), subject=str(subject),
                 data=data, area_code=area_code, **kw)
