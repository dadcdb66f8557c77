"""The case lists a phone keeps offline (离线同步): cases, their plans' measures and their visits in the caller's
area written after a cursor, and tombstones of cases that left it. Measures and visits are never deleted and
go where their case goes; a case's scope is its village."""

from sqlalchemy import exists, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.sync import Cursor, Removed, Since
from backstop_common.sync_queries import changed_after, horizon, removed_after
from monitoring.models import Case, Measure, Visit

Changed = tuple[list[tuple[Cursor, object]], list[tuple[Cursor, Removed]]]


def _within(scope: str):
    return lambda column: column.startswith(scope, autoescape=True)


async def case_changes(session: AsyncSession, scope: str, since: Since) -> Changed:
    below, in_scope = await horizon(session, since), _within(scope)
    query = changed_after(select(Case).where(in_scope(Case.village_code)), Case.changed_xid, Case.id, since, below)
    rows = (await session.execute(query)).scalars().all()
    removed = await removed_after(session, since, below, in_scope, lambda item: exists().where(
        Case.id == item, in_scope(Case.village_code)))
    return [(Cursor(c.changed_xid, c.id), c) for c in rows], removed


async def _of_cases(session: AsyncSession, model, scope: str, since: Since) -> Changed:
    below = await horizon(session, since)
    query = select(model).join(Case, Case.id == model.case_id).where(_within(scope)(Case.village_code))
    rows = (await session.execute(changed_after(query, model.changed_xid, model.id, since, below))).scalars().all()
    return [(Cursor(r.changed_xid, r.id), r) for r in rows], []


async def measure_changes(session: AsyncSession, scope: str, since: Since) -> Changed:
    return await _of_cases(session, Measure, scope, since)


async def visit_changes(session: AsyncSession, scope: str, since: Since) -> Changed:
    return await _of_cases(session, Visit, scope, since)
