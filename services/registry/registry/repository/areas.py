"""Queries on areas."""

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.paging_queries import fetch_page

from registry.models import Area


async def get_area(session: AsyncSession, code: str) -> Area | None:
    return await session.get(Area, code)


async def list_areas(session: AsyncSession, scope: str, parent_code: str | None, level: str | None,
                     limit: int, offset: int) -> tuple[list[Area], int]:
    query = select(Area).where(Area.code.startswith(scope, autoescape=True))
    if parent_code:
        query = query.where(Area.parent_code == parent_code)
    if level:
        query = query.where(Area.level == level)
    return await fetch_page(session, query, Area.code, limit=limit, offset=offset)


async def existing_codes(session: AsyncSession, codes: list[str]) -> dict[str, Area]:
    rows = (await session.execute(select(Area).where(Area.code.in_(codes)))).scalars().all()
    return {a.code: a for a in rows}


async def insert_areas(session: AsyncSession, rows: list[dict]) -> int:
    """Insert what is new; an existing code is left as it is. Returns how many were created."""
    if not rows:
        return 0
    result = await session.execute(insert(Area).values(rows).on_conflict_do_nothing().returning(Area.code))
    return len(result.all())


async def villages_in(session: AsyncSession, scope: str) -> list[tuple[str, str, str | None, str | None]]:
    """(village code, village name, township name, county name) of every village in ``scope``."""
    township, county = Area.__table__.alias("t"), Area.__table__.alias("c")
    query = (
        select(Area.code, Area.name, township.c.name, county.c.name)
        .outerjoin(township, township.c.code == Area.parent_code)
        .outerjoin(county, county.c.code == township.c.parent_code)
        .where(Area.level == "village", Area.code.startswith(scope, autoescape=True))
    )
    return [tuple(r) for r in (await session.execute(query)).all()]
