"""Statements on asyncpg's own connection, in the session's transaction: the ones a consumer's every turn sends
(SQLAlchemy's execution path was as much CPU again as asyncpg's; bench/RESULTS.md, sessions 17 and 20 —
monitoring's stream turn, notifications' messages and deliveries). The statement is
a ``text()`` with ``:name`` parameters, sent as ``bulk.for_driver`` gives it; the connection is
``db.transaction_connection``'s, looked up once a transaction."""

from backstop_common import bulk
from backstop_common.db import transaction_connection


async def fetch(session, statement, parameters: dict) -> list:
    """The statement's rows (asyncpg ``Record``s)."""
    return await (await transaction_connection(session)).fetch(*bulk.for_driver(statement, parameters))


async def execute(session, statement, parameters: dict) -> None:
    await (await transaction_connection(session)).execute(*bulk.for_driver(statement, parameters))
