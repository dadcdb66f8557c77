"""Queries on policy rows (year × area): the newest one of an area chain, and writing one."""

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models import Policy


async def newest_in_chain(session: AsyncSession, chain: list[str], year: int) -> Policy | None:
    """Among the rows of ``chain``'s areas, the newest year not after ``year``; within it the deepest area."""
    rows = await session.execute(
        select(Policy).where(Policy.area_code.in_(chain), Policy.year <= year)
        .order_by(Policy.year.desc(), func.length(Policy.scope).desc()).limit(1))
    return rows.scalars().first()


async def upsert(session: AsyncSession, row: dict, changed: Iterable[str]) -> Policy:
    """Insert the (year, area) row, or overwrite ``changed`` of the existing one and bump its version."""
    stmt = insert(Policy).values(**row)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=[Policy.year, Policy.area_code],
        set_={**{k: stmt.excluded[k] for k in changed}, "version": Policy.version + 1}))
    return await session.get(Policy, (row["year"], row["area_code"]), populate_existing=True)
