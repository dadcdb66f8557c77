"""The households a phone keeps offline (离线同步): those of the caller's area written after a cursor, and
the tombstones of those that left it (moved to a village outside it)."""

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import aliased
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.sync import Cursor, Removed, Since
from backstop_common.sync_queries import changed_after, horizon, removed_after
from registry.models import Household, Member
from registry.repository.filters import code_range
from registry.schemas.households import HouseholdRow


def _within(scope: str):
    low, high = code_range(scope)
    return lambda column: and_(column >= low, column < high)


async def household_changes(session: AsyncSession, scope: str, since: Since
                            ) -> tuple[list[tuple[Cursor, dict]], list[tuple[Cursor, Removed]]]:
    """List rows (``HouseholdRow``'s fields, identifiers as stored) and tombstones, each in sync order."""
    below, in_scope = await horizon(session, since), _within(scope)
    head = aliased(Member)
    found = {"head_name": head.name, "head_id_number": head.id_number}
    columns = [found.get(name, getattr(Household, name, None)).label(name) for name in HouseholdRow.model_fields]
    query = (select(Household.changed_xid, *columns)
             .outerjoin(head, and_(head.household_id == Household.id, head.is_head, head.removed_on.is_(None)))
             .where(in_scope(Household.village_code)))
    rows = (await session.execute(changed_after(query, Household.changed_xid, Household.id, since, below))).all()
    removed = await removed_after(session, since, below, in_scope, lambda item: exists().where(
        Household.id == item, in_scope(Household.village_code)))
    return [(Cursor(r.changed_xid, r.id), dict(r._mapping)) for r in rows], removed
