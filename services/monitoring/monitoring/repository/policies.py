"""Queries on policy rows (year × area): the newest one of an area chain, and writing one."""

import json
from collections.abc import Iterable

from sqlalchemy import Integer, String, bindparam, column, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import aliased
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models import Policy


#: the chain a bound array (a few areas: ``= ANY`` is no search to speak of), one statement whatever its length
_NEWEST_IN_CHAIN = (select(Policy).where(Policy.area_code == func.any(bindparam("chain", type_=ARRAY(String))),
                                         Policy.year <= bindparam("year"))
                    .order_by(Policy.year.desc(), func.length(Policy.scope).desc()).limit(1))


async def newest_in_chain(session: AsyncSession, chain: list[str], year: int) -> Policy | None:
    """Among the rows of ``chain``'s areas, the newest year not after ``year``; within it the deepest area."""
    return (await session.execute(_NEWEST_IN_CHAIN, {"chain": list(chain), "year": year})).scalars().first()


#: ``newest_in_chain`` for many (chain, year) asks at once: each one's row (the lateral selects it whole) with the
#: ask's number — one statement, read as ``Policy`` entities (the session's identity map, as ``newest_in_chain``)
_NEWEST_IN_CHAINS = text("""
SELECT q.n, p.*
  FROM jsonb_array_elements(CAST(:asks AS jsonb)) WITH ORDINALITY AS q(ask, n)
  CROSS JOIN LATERAL (
      SELECT * FROM policies
       WHERE area_code IN (SELECT jsonb_array_elements_text(q.ask -> 'chain'))
         AND year <= CAST(q.ask ->> 'year' AS int)
       ORDER BY year DESC, length(scope) DESC LIMIT 1) p
""").columns(column("n", Integer), *Policy.__table__.columns).subquery("found")
NEWEST_IN_CHAINS = select(_NEWEST_IN_CHAINS.c.n, aliased(Policy, _NEWEST_IN_CHAINS))


async def newest_in_chains(session: AsyncSession, asks: list[tuple[list[str], int]]) -> list[Policy | None]:
    """``newest_in_chain`` for each (chain, year) of ``asks``, in one statement (a batch of events asks for
    the few areas and years of its households once)."""
    if not asks:
        return []
    found = dict((await session.execute(NEWEST_IN_CHAINS, {"asks": json.dumps(
        [{"chain": chain, "year": year} for chain, year in asks])})).tuples().all())
    return [found.get(n) for n in range(1, len(asks) + 1)]


async def upsert(session: AsyncSession, row: dict, changed: Iterable[str]) -> Policy:
    """Insert the (year, area) row, or overwrite ``changed`` of the existing one and bump its version."""
    stmt = insert(Policy).values(**row)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=[Policy.year, Policy.area_code],
        set_={**{k: stmt.excluded[k] for k in changed}, "version": Policy.version + 1}))
    return await session.get(Policy, (row["year"], row["area_code"]), populate_existing=True)
