"""Area routes: ``GET/POST /api/v1/areas`` and the bulk load."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal, area_prefix
from backstop_common.paging import Page, Paging
from backstop_common.openapi import conflicts
from registry.domain import areas
from registry.repository import areas as repo
from registry.schemas.areas import AreaBulk, AreaBulkResult, AreaCreate, AreaRead

router = APIRouter(tags=["areas"])


@router.get("/areas", response_model=Page[AreaRead])
async def list_areas(uow: UoW, principal: CurrentPrincipal, paging: Paging,
                     parent_code: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
                     level: Literal["county", "township", "village"] | None = None):
    """行政区划列表 — the areas inside the caller's area.

    Counties, townships and villages (12-digit division codes) inside the caller's area, filtered by parent or level."""
    rows, total = await repo.list_areas(uow.session, principal.scope, parent_code, level,
                                        paging.limit, paging.offset)
    return Page[AreaRead](items=[AreaRead.model_validate(a, from_attributes=True) for a in rows], total=total)


@router.post("/areas", status_code=201, response_model=AreaRead,
             responses=conflicts("an area with that code exists"))
async def create_area(body: AreaCreate, uow: UoW, principal: CurrentPrincipal):
    """新增行政区划 — adds one area.

    Adds a county, township or village under its parent (county admin); an existing code is a 409."""
    await areas.create_areas(uow.session, principal, [body], single=True)
    await uow.commit()
    return await repo.get_area(uow.session, body.code)


@router.post("/areas/bulk", response_model=AreaBulkResult)
async def create_areas(body: AreaBulk, uow: UoW, principal: CurrentPrincipal):
    """批量导入行政区划 — loads a tree of areas.

    Loads many areas at once (parents before children); ones that exist unchanged are counted, not refused."""
    created, unchanged = await areas.create_areas(uow.session, principal, body.areas)
    await uow.commit()
    return AreaBulkResult(created=created, unchanged=unchanged)


#: division names are public (the statistics bureau publishes them): the public funds page names its places
public_router = APIRouter(prefix="/public", tags=["public"])


@public_router.get("/areas", response_model=Page[AreaRead], openapi_extra={"security": [], "x-public": True},
                   summary="行政区划名称（无需登录）")
async def public_areas(uow: UoW, area_code: Annotated[str, Query(pattern=r"^[0-9]{12}$")],
                       paging: Paging) -> Page[AreaRead]:
    """An area and every area inside it: codes and names only."""
    rows, total = await repo.list_areas(uow.session, area_prefix(area_code), None, None, paging.limit, paging.offset)
    return Page[AreaRead](items=[AreaRead.model_validate(a, from_attributes=True) for a in rows], total=total)
