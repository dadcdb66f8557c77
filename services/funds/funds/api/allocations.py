"""Fund sources (资金来源) and allocations (资金下达)."""

import uuid

from fastapi import APIRouter

from backstop_common.app import UoW
from backstop_common.auth import AREAS_ABOVE_TOO, CurrentPrincipal
from backstop_common.paging import Page, Paging
from funds.api.common import AreaFilter, YearFilter, commit
from funds.domain import ledger
from funds.enums import Source
from funds.repository import allocations as repo
from funds.schemas import AllocationCreate, AllocationRead
from funds.schemas.reports import Listing, SourceTotals

router = APIRouter(tags=["allocations"])


@router.get("/fund-sources", response_model=Listing[SourceTotals])
async def fund_sources(uow: UoW, principal: CurrentPrincipal, year: YearFilter = None):
    """资金来源 — the sources and what each was allocated and spent.

    The seven sources with what the caller's area was allocated, committed and spent of each."""
    items = await repo.source_totals(uow.session, principal, year)
    return Listing[SourceTotals](items=items, total=len(items))


@router.post("/allocations", status_code=201, response_model=AllocationRead)
async def create_allocation(body: AllocationCreate, uow: UoW, principal: CurrentPrincipal):
    """资金下达 — records an allocation to an area.

    Money of one source allocated to an area for a year, with its document number."""
    return await commit(uow, ledger.create_allocation(uow, principal, body))


@router.get("/allocations", response_model=Page[AllocationRead], openapi_extra=AREAS_ABOVE_TOO)
async def list_allocations(uow: UoW, principal: CurrentPrincipal, paging: Paging, area_code: AreaFilter = None,
                           source: Source | None = None, year: YearFilter = None):
    """资金下达列表 — allocations of the caller's area and above.

    Filter by area, source and year."""
    return await repo.list_allocations(uow.session, principal, paging, area_code=area_code, source=source, year=year)


@router.get("/allocations/{allocation_id}", response_model=AllocationRead)
async def read_allocation(allocation_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """资金下达详情 — one allocation.

    The allocation with what is committed and spent of it."""
    return await ledger.visible_allocation(uow.session, principal, allocation_id)
