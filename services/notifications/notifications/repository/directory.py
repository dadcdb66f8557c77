"""The directory's stamp (migration 6d3b8f2a9c41): bumped by the database with every write to recipients, routing
rules and the subscriptions' types and areas."""

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

_STAMP = text("SELECT stamp FROM directory_stamp")


async def stamp(session: AsyncSession) -> int:
    return (await session.execute(_STAMP)).scalar_one()
