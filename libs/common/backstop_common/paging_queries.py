"""The query half of ``paging`` (kept apart, as ``sync_queries`` is from ``sync``, so that what only shapes a
page imports no SQLAlchemy): one page of a select and how many rows the whole select has."""

from typing import Any

from sqlalchemy import Select, func, select
from sqlmodel.ext.asyncio.session import AsyncSession


async def fetch_page(session: AsyncSession, query: Select, *order: Any, limit: int, offset: int) -> tuple[list, int]:
    """``limit`` rows of ``query`` from ``offset`` in ``order`` (give a unique last key: pages must not overlap),
    and the total (two statements). A select of one entity answers the entities, one of columns its rows."""
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    result = await session.execute(query.order_by(*order).limit(limit).offset(offset))
    return list(result.scalars() if len(query.column_descriptions) == 1 else result.all()), total
