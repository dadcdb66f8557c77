"""Every query of the funds service, by subject; the domain calls these and never writes SQL itself."""

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.db import sqlstate
from backstop_common.paging import Page, PageParams
from backstop_common.paging_queries import fetch_page

UNIQUE_VIOLATION = "23505"


def where_equal(query, *pairs):
    """Add ``column == value`` for every pair whose value was given."""
    for column, value in pairs:
        if value is not None:
            query = query.where(column == value)
    return query


async def page(session: AsyncSession, query, paging: PageParams, schema, *order) -> Page:
    rows, total = await fetch_page(session, query, *order, limit=paging.limit, offset=paging.offset)
    return Page(items=[schema.model_validate(r) for r in rows], total=total)


async def add_unique(session: AsyncSession, row) -> bool:
    """Insert ``row`` in a savepoint; False when a unique key already holds it (the transaction goes on)."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        if sqlstate(exc) != UNIQUE_VIOLATION:
            raise
        return False
    return True
