"""Queries on policy rows (year × area): the newest one of an area chain, and writing one."""

import json
from collections.abc import Iterable

from sqlalchemy import Integer, String, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models import Policy


#: the chain a bound array (a few areas: ``= ANY`` is no search to speak of), one statement whatever its length
_NEWEST_IN_CHAIN = (select(Policy).where(Policy.area_code == func.any(bindparam("chain", type_=ARRAY(String))),
                                         Policy.year <= bindparam("year"))
                    .order_by(Policy.year.desc(), func.length(Policy.scope).desc()).limit(1))
#: rows by (year, area_code) keys, two bound arrays joined: one statement whatever the number of keys
_KEYS = func.unnest(bindparam("years", type_=ARRAY(Integer)), bindparam("areas", type_=ARRAY(String))).table_valued(
    "year", "area_code").render_derived("k")
_BY_KEYS = select(Policy).join(_KEYS, (Policy.year == _KEYS.c.year) & (Policy.area_code == _KEYS.c.area_code))


async def newest_in_chain(session: AsyncSession, chain: list[str], year: int) -> Policy | None:
    """Among the rows of ``chain``'s areas, the newest year not after ``year``; within it the deepest area."""
    return (await session.execute(_NEWEST_IN_CHAIN, {"chain": list(chain), "year": year})).scalars().first()


#: ``newest_in_chain`` for many (chain, year) asks at once: the (year, area_code) key of each one's row
NEWEST_IN_CHAINS = text("""
SELECT q.n, p.year, p.area_code
  FROM jsonb_array_elements(CAST(:asks AS jsonb)) WITH ORDINALITY AS q(ask, n)
  CROSS JOIN LATERAL (
      SELECT year, area_code, scope FROM policies
       WHERE area_code IN (SELECT jsonb_array_elements_text(q.ask -> 'chain'))
         AND year <= CAST(q.ask ->> 'year' AS int)
       ORDER BY year DESC, length(scope) DESC LIMIT 1) p
""")


async def newest_in_chains(session: AsyncSession, asks: list[tuple[list[str], int]]) -> list[Policy | None]:
    """``newest_in_chain`` for each (chain, year) of ``asks``, in one statement (a batch of events asks for
    the few areas and years of its households once)."""
    if not asks:
        return []
    found = (await session.execute(NEWEST_IN_CHAINS, {"asks": json.dumps(
        [{"chain": chain, "year": year} for chain, year in asks])})).all()
    keys = {n: (year, area) for n, year, area in found}
    wanted = sorted(set(keys.values()))
    rows = {(p.year, p.area_code): p for p in (await session.execute(_BY_KEYS, {
        "years": [y for y, _ in wanted], "areas": [a for _, a in wanted]})).scalars()} if keys else {}
    return [rows[keys[n]] if n in keys else None for n in range(1, len(asks) + 1)]


async def upsert(session: AsyncSession, row: dict, changed: Iterable[str]) -> Policy:
    """Insert the (year, area) row, or overwrite ``changed`` of the existing one and bump its version."""
    stmt = insert(Policy).values(**row)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=[Policy.year, Policy.area_code],
        set_={**{k: stmt.excluded[k] for k in changed}, "version": Policy.version + 1}))
    return await session.get(Policy, (row["year"], row["area_code"]), populate_existing=True)
