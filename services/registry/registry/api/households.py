"""Household routes: register, list, the full file, patch, history."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.concurrency import expected_version
from backstop_common.conditional import NOT_MODIFIED, conditional
from backstop_common.paging import Page, Paging
from backstop_common.openapi import conflicts
from registry.api.filters import HouseholdQuery
from registry.domain import files, head, households
from registry.domain.guards import household_for_read
from registry.repository import audit
from registry.schemas.households import (
    ChangeRead, HouseholdCreate, HouseholdFile, HouseholdRow, HouseholdUpdate,
)
from registry.schemas.members import HeadChange

router = APIRouter(tags=["households"])
Version = Annotated[int, Depends(expected_version)]

@router.post("/households", status_code=201, response_model=HouseholdFile,
             responses=conflicts("the household number, or a member's ID number, is already registered"))
async def register(body: HouseholdCreate, uow: UoW, principal: CurrentPrincipal, request: Request):
    """建档立卡登记 — registers a household with its members.

    Registers a household (户) in a village with its members, helpers and poverty status; answers the whole
    household file."""
    household = await households.register_household(uow, principal, body)
    await uow.commit()
    return await _file(uow, principal, household.id, request, status=201)

@router.get("/households", response_model=Page[HouseholdRow])
async def list_households(uow: UoW, principal: CurrentPrincipal, paging: Paging, request: Request,
                          query: Annotated[HouseholdQuery, Depends()],
                          sort: Annotated[str, Query(pattern=r"^-?(village_code|household_number|"
                                                     r"per_capita_income|size|created_at|updated_at)$")]
                          = "village_code"):
    """农户列表 — households in the caller's area, filtered and sorted.

    Filter by area, poverty status, monitoring category, cause, income, housing, water, schooling, insurance, 低保/特困
    or a search text (name, pinyin, ID number, 户编号)."""
    page = await files.household_list(uow.session, principal, query.to_filter(principal), sort,
                                      paging.limit, paging.offset, request.url.path)
    await uow.commit()  # the access-log rows of an unmasked page
    return _json(page)

@router.get("/households/{household_id}", response_model=HouseholdFile, responses=NOT_MODIFIED)
async def read(household_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal, request: Request):
    """户档案 — one household's whole file.

    The household with its members, assessments, helpers, measures and disasters; identifiers masked unless the
    caller's role sees them (an unmasked read is logged). Answers an ETag; 304 on a current If-None-Match."""
    return await _file(uow, principal, household_id, request)

@router.patch("/households/{household_id}", response_model=HouseholdFile)
async def update(household_id: uuid.UUID, body: HouseholdUpdate, uow: UoW, principal: CurrentPrincipal,
                 version: Version, request: Request):
    """修改户信息 — changes a household's own facts.

    Changes the household's facts (address, category, tags …) against the version last read (If-Match)."""
    await households.update_household(uow, principal, household_id, body, version)
    await uow.commit()
    return await _file(uow, principal, household_id, request)

@router.post("/households/{household_id}/head", response_model=HouseholdFile)
async def change_head(household_id: uuid.UUID, body: HeadChange, uow: UoW, principal: CurrentPrincipal,
                      version: Version, request: Request):
    """变更户主 — names another member head.

    Name another current member head (户主); the old head takes ``previous_head_relation``."""
    await head.name_head(uow, principal, household_id, body, version)
    await uow.commit()
    return await _file(uow, principal, household_id, request)


@router.get("/households/{household_id}/history", response_model=Page[ChangeRead])
async def history(household_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal, paging: Paging):
    """户变更记录 — every change to the household's file.

    Who changed what and when, newest first."""
    await household_for_read(uow.session, principal, household_id)
    rows, total = await audit.history(uow.session, household_id, paging.limit, paging.offset)
    return Page[ChangeRead](items=[ChangeRead.model_validate(r, from_attributes=True) for r in rows],
                            total=total)


async def _file(uow, principal, household_id: uuid.UUID, request: Request, status: int = 200) -> Response:
    """The file as PostgreSQL shaped it (already a ``HouseholdFile``; FastAPI does not re-validate a Response)."""
    body = await files.household_file(uow.session, principal, household_id, request.url.path)
    await uow.commit()  # the access-log row of an unmasked read
    return conditional(request, body, status)  # ETag; 304 for a GET whose If-None-Match is current


def _json(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type="application/json")


