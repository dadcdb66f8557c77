"""Statements on asyncpg's own connection, in the session's transaction: the ones a stream's every turn sends
(SQLAlchemy's execution path was as much CPU again as asyncpg's; bench/RESULTS.md, session 17). The statement is
a ``text()`` with ``:name`` parameters, sent as ``bulk.for_driver`` gives it."""

from backstop_common import bulk
from backstop_common.db import transaction_connection

#: where the session's ``info`` keeps the connection of its transaction (``_connection``)
_KEPT = "monitoring.driver_connection"


async def fetch(session, statement, parameters: dict) -> list:
    """The statement's rows (asyncpg ``Record``s)."""
    return await (await _connection(session)).fetch(*bulk.for_driver(statement, parameters))


async def execute(session, statement, parameters: dict) -> None:
    await (await _connection(session)).execute(*bulk.for_driver(statement, parameters))


async def _connection(session):
    """``db.transaction_connection``, looked up once a transaction: each lookup goes through SQLAlchemy's session
    and pool (~50 µs of CPU), and a turn sends three or four statements on it. A new transaction (after a commit
    or a rollback) is another ``SessionTransaction``, and looks it up again."""
    transaction = session.sync_session.get_transaction()
    kept = session.info.get(_KEPT)
    if kept is not None and transaction is not None and kept[0] is transaction:
        return kept[1]
    connection = await transaction_connection(session)
    session.info[_KEPT] = (session.sync_session.get_transaction(), connection)
    return connection
