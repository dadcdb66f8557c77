"""The directory's stamp (migration 6d3b8f2a9c41): bumped by the database with every write to recipients, routing
rules and the subscriptions' types and areas."""

from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.db import transaction_connection


async def stamp(session: AsyncSession) -> int:
    """Read on asyncpg's connection: every consumer turn reads it (``messages.insert_new`` says why)."""
    return await (await transaction_connection(session)).fetchval("SELECT stamp FROM directory_stamp")
