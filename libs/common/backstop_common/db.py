"""The async engine and session (SQLModel on asyncpg), built once in a service's lifespan."""

from urllib.parse import urlsplit

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext import asyncio as sqlalchemy_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session as SqlalchemySession
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.orm.session import Session


def async_url(url: str) -> str:
    """Accept any ``postgresql://`` URL (incl. unix-socket ``?host=``) and pick the asyncpg driver."""
    scheme, _, rest = url.partition("://")
    if scheme in ("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"):
        return f"postgresql+asyncpg://{rest}"
    return url


def plain_url(url: str) -> str:
    """The driverless form, for asyncpg.connect() and command-line tools."""
    scheme, _, rest = url.partition("://")
    return f"postgresql://{rest}" if scheme.startswith("postgres") else url


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """No pre-ping: it is a round trip on every checkout. A connection the server has closed is replaced when it
    is taken instead (``_closed_on_checkout``), without asking the server: asyncpg reads each connection's socket
    while it idles in the pool, so a restart's goodbye (57P01, then EOF) has marked it closed by then. Without the
    check such a connection was handed out after the database was back and its first statement failed as
    unavailable: a 503 or a consumer's retry, once a pool when SQLAlchemy saw the failure (it then invalidates the
    whole pool), once each stale connection when a statement sent on the bare asyncpg connection met it
    (``transaction_connection``: SQLAlchemy never sees those fail) — tests/test_faults.py, the restart test. The
    check costs ~1 µs of CPU a checkout (bench/RESULTS.md, pool23). A connection dead but not yet seen closed (the
    moments before the event loop reads the EOF) still fails its first statement once: no retry, as a write's
    failure may have committed.

    Last in, first out: the connection just returned is the one taken next, so a quiet moment's work runs on one or
    two connections that have its statements prepared already; the default rotation through all ten prepared each
    statement text on each of them (session 8 — fetch: a 20 writes/s stream's prepares halved, monitoring 222 → 114,
    notifications 69 → 32)."""
    engine = create_async_engine(async_url(url), pool_size=pool_size, max_overflow=pool_size, pool_use_lifo=True)
    event.listen(engine.sync_engine.pool, "checkout", _closed_on_checkout)
    return engine


def _closed_on_checkout(dbapi_connection, record, proxy) -> None:
    """A pooled connection the server has closed is refused: SQLAlchemy invalidates it and connects again (should
    the new one be closed too — the server going away again that instant — it tries once more, then fails the
    checkout). Only this connection: one closed by anything else (a terminated backend, an idle timeout) leaves its
    neighbours and their prepared statements be; after a restart each stale one is found closed as it is taken."""
    if record.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


class DriverSession:
    """A hot route's session (hot.py): an asyncpg connection, in a transaction when the route writes. It does
    what the repository's driver statements ask of a session — ``driver_connection``, flush, commit, rollback —
    and nothing of the ORM: a domain path that reaches for it (``session.add``) fails before anything is
    written, and the request goes to FastAPI's route instead."""

    def __init__(self, connection, transaction=None):
        self.connection, self.transaction = connection, transaction

    @property
    def open(self) -> bool:
        return self.transaction is not None

    async def flush(self) -> None:
        """Nothing is held back: every statement went to the database when it was executed."""

    async def commit(self) -> None:
        if self.transaction is not None:
            transaction, self.transaction = self.transaction, None
            await transaction.commit()

    async def rollback(self) -> None:
        if self.transaction is not None:
            transaction, self.transaction = self.transaction, None
            await transaction.rollback()


async def driver_connection(session: AsyncSession | DriverSession):
    """The asyncpg connection under a session, for the few statements that skip the ORM (bulk loads, hot
    reads). Until the session has executed something there is no transaction: a statement commits alone."""
    if isinstance(session, DriverSession):
        return session.connection
    connection = await session.connection()
    return (await connection.get_raw_connection()).driver_connection


#: where a session's ``info`` keeps its transaction's driver connection (``transaction_connection``)
_KEPT_CONNECTION = "backstop.transaction_connection"


async def transaction_connection(session: AsyncSession | DriverSession):
    """``driver_connection`` with the session's transaction begun, for a write's first statement (a lock).

    SQLAlchemy's asyncpg adapter sends BEGIN lazily, before the first statement it executes itself; a statement
    sent on the bare connection before that would commit alone (and release its lock at once). Beginning it here
    — the adapter's own ``_start_transaction``, which its commit and rollback then end — spares the lock the
    ORM's execution path, a quarter of the income write's CPU (bench/RESULTS.md, issue 18)."""
    if isinstance(session, DriverSession):
        return session.connection
    # looked up once a transaction: each lookup goes through SQLAlchemy's session and pool (~50 µs of CPU) and a
    # consumer's turn sends several statements on it (the inbox claim, the service's own). A commit or a rollback
    # makes another ``SessionTransaction``, which looks it up again.
    kept = session.info.get(_KEPT_CONNECTION)
    if kept is not None and kept[0] is session.sync_session.get_transaction():
        return kept[1]
    connection = await session.connection()
    adapted = (await connection.get_raw_connection()).dbapi_connection
    # Private, on purpose (SQLAlchemy 2.1, checked session 8): no public call sends the adapter's BEGIN.
    # ``AsyncConnection.begin()`` / the session's autobegin only mark a transaction, the adapter begins it in
    # its cursor's execute (``_prepare_and_execute``), i.e. with a statement through SQLAlchemy's execution path
    # — what this spares; a transaction begun on the asyncpg connection ourselves (``.transaction().start()``)
    # leaves the adapter unaware: its next statement's BEGIN becomes a SAVEPOINT and the session's commit
    # (the adapter's, a no-op without its own transaction) would release that, not commit. If an upgrade
    # renames it this fails loudly (AttributeError on the first write: every registry write test).
    if adapted._transaction is None:
        await adapted._start_transaction()
    session.info[_KEPT_CONNECTION] = (session.sync_session.get_transaction(), adapted.driver_connection)
    return adapted.driver_connection


class _SyncSession(Session):
    execute = SqlalchemySession.execute


class ServiceSession(AsyncSession):
    """sqlmodel's session with SQLAlchemy's own ``execute``, which sqlmodel's merely calls: sqlmodel marks its
    ``execute`` deprecated (in favour of ``exec``), so each call issued a ``DeprecationWarning`` — twice, the async
    session's and the sync one's under it, and again for every statement SQLAlchemy's loading runs through
    ``execute`` — that Python's filters then dropped: ~2.5 ``warnings.warn`` an event in monitoring (bench/RESULTS.md,
    session 17), ~7 µs a statement. The services' 300 ``execute`` calls stay as they are."""

    execute = sqlalchemy_asyncio.AsyncSession.execute
    sync_session_class = _SyncSession


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=ServiceSession, expire_on_commit=False)


_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")  # connection exceptions, shutdown, starting up


def sqlstate(exc: BaseException) -> str:
    """The PostgreSQL SQLSTATE behind a (wrapped) driver error, or ''."""
    orig = getattr(exc, "orig", None)
    cause = getattr(orig, "__cause__", None)
    return getattr(orig, "sqlstate", None) or getattr(cause, "sqlstate", None) or getattr(exc, "sqlstate", None) or ""


def is_bad_data(exc: BaseException) -> bool:
    """SQLSTATE class 22 (data exception: NUL in text, numeric overflow, bad dates): the client's input."""
    return sqlstate(exc).startswith("22")


def is_contention(exc: BaseException) -> bool:
    """A deadlock or serialization failure (40P01, 40001): nobody's fault, the work is simply tried again."""
    return sqlstate(exc) in ("40P01", "40001")


def is_unavailable(exc: BaseException) -> bool:
    """True when the database is away (restarting, unreachable), not when a statement is wrong.

    Such errors answer 503 over HTTP and are retried by consumers until the database is back —
    never dead-lettered.
    """
    import asyncpg
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, (OSError, ConnectionError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                        asyncpg.CannotConnectNowError, OperationalError, InterfaceError)):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        cause = exc.orig.__cause__ if exc.orig is not None else None
        return sqlstate(exc).startswith(_UNAVAILABLE_SQLSTATES) or (cause is not None and is_unavailable(cause))
    return False
