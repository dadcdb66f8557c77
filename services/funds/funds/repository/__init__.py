"""Every list query of the funds API (the domain modules hold the queries their rules need)."""

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.paging import Page, PageParams


def where_equal(query, *pairs):
    """Add ``column == value`` for every pair whose value was given."""
    for column, value in pairs:
        if value is not None:
            query = query.where(column == value)
    return query


async def page(session: AsyncSession, query, paging: PageParams, schema, *order) -> Page:
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(query.order_by(*order).limit(paging.limit).offset(paging.offset))
    return Page(items=[schema.model_validate(r) for r in rows.scalars()], total=total)
