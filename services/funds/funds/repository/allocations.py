"""Allocation queries: what a caller's area sees (its own and the allocations above it), one row locked."""

import uuid
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import Principal, parent_area
from backstop_common.paging import Page, PageParams
from funds.enums import SOURCE_LABELS, AnomalyKind, Source
from funds.models import Allocation, Anomaly
from funds.repository import page, where_equal
from funds.schemas import AllocationRead

ZERO = (Decimal("0.00"),) * 3


def ancestors(code: str) -> list[str]:
    codes, code = [], parent_area(code)
    while code:
        codes.append(code)
        code = parent_area(code)
    return codes


def visible(principal: Principal):
    return or_(Allocation.area_code.like(principal.scope + "%"),
               Allocation.area_code.in_(ancestors(principal.area_code)))


async def list_allocations(session: AsyncSession, principal: Principal, paging: PageParams, *,
                           area_code: str | None, source: Source | None, year: int | None) -> Page:
    query = where_equal(select(Allocation).where(visible(principal)), (Allocation.area_code, area_code),
                        (Allocation.source, source.value if source else None), (Allocation.year, year))
    return await page(session, query, paging, AllocationRead, Allocation.created_at, Allocation.id)


async def source_totals(session: AsyncSession, principal: Principal, year: int | None) -> list[dict]:
    """The seven sources (资金来源) with what the caller's area was allocated, committed and spent of each."""
    query = where_equal(select(Allocation.source, func.sum(Allocation.amount), func.sum(Allocation.committed),
                               func.sum(Allocation.spent)).where(visible(principal)), (Allocation.year, year))
    sums = {row[0]: row[1:] for row in (await session.execute(query.group_by(Allocation.source))).all()}
    return [{"source": s.value, "label": SOURCE_LABELS[s], "allocated": sums.get(s, ZERO)[0],
             "committed": sums.get(s, ZERO)[1], "spent": sums.get(s, ZERO)[2]} for s in Source]


async def allocation(session: AsyncSession, allocation_id: uuid.UUID, *, lock: bool = False) -> Allocation | None:
    """One allocation read afresh; ``lock`` takes its row lock, so payments from it queue."""
    query = select(Allocation).where(Allocation.id == allocation_id).execution_options(populate_existing=True)
    return (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()


async def uncommitted_unflagged(session: AsyncSession) -> list[Allocation]:
    """Allocations with money not yet committed that no idle_allocation anomaly names yet."""
    flagged = select(Anomaly.id).where(Anomaly.allocation_id == Allocation.id,
                                       Anomaly.kind == AnomalyKind.IDLE_ALLOCATION.value)
    query = select(Allocation).where(Allocation.committed < Allocation.amount, ~flagged.exists())
    return list((await session.execute(query)).scalars())
