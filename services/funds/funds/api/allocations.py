"""Fund sources (资金来源) and allocations (资金下达)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, or_, select

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.paging import Page, Paging
from funds.api.common import AreaFilter, ancestors, commit, plain
from funds.domain import ledger
from funds.enums import SOURCE_LABELS, Source
from funds.models import Allocation
from funds.schemas import AllocationCreate, AllocationRead

router = APIRouter(tags=["allocations"])


def _visible(principal):
    return or_(Allocation.area_code.like(principal.scope + "%"), Allocation.area_code.in_(ancestors(principal)))


@router.get("/fund-sources")
async def fund_sources(uow: UoW, principal: CurrentPrincipal, year: Annotated[int | None, Query()] = None):
    """The seven sources with what the caller's area was allocated, committed and spent of each."""
    query = select(Allocation.source, func.sum(Allocation.amount), func.sum(Allocation.committed),
                   func.sum(Allocation.spent)).where(_visible(principal)).group_by(Allocation.source)
    if year:
        query = query.where(Allocation.year == year)
    sums = {row[0]: row[1:] for row in (await uow.session.execute(query)).all()}
    items = [{"source": s.value, "label": SOURCE_LABELS[s], "allocated": sums.get(s, (0, 0, 0))[0],
              "committed": sums.get(s, (0, 0, 0))[1], "spent": sums.get(s, (0, 0, 0))[2]} for s in Source]
    return plain({"items": items, "total": len(items)})


@router.post("/allocations", status_code=201, response_model=AllocationRead)
async def create_allocation(body: AllocationCreate, uow: UoW, principal: CurrentPrincipal):
    return await commit(uow, ledger.create_allocation(uow, principal, body))


@router.get("/allocations", response_model=Page[AllocationRead])
async def list_allocations(uow: UoW, principal: CurrentPrincipal, paging: Paging, area_code: AreaFilter = None,
                           source: Source | None = None, year: int | None = None):
    query = select(Allocation).where(_visible(principal))
    if area_code:
        query = query.where(Allocation.area_code == area_code)
    if source:
        query = query.where(Allocation.source == source.value)
    if year:
        query = query.where(Allocation.year == year)
    total = (await uow.session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await uow.session.execute(query.order_by(Allocation.created_at, Allocation.id)
                                     .limit(paging.limit).offset(paging.offset))
    return Page(items=[AllocationRead.model_validate(r) for r in rows.scalars()], total=total)


@router.get("/allocations/{allocation_id}", response_model=AllocationRead)
async def read_allocation(allocation_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    return await ledger.visible_allocation(uow.session, principal, allocation_id)
