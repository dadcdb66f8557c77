"""Member routes: add to a household, change, leave (减员)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.concurrency import expected_version, optional_version
from registry.domain import departures, members
from registry.domain.views import log_unmasked_reads, member_view
from registry.schemas.members import MemberCreate, MemberMove, MemberRead, MemberRemoval, MemberUpdate

router = APIRouter(tags=["members"])


async def _view(uow, principal, member, request: Request) -> MemberRead:
    await log_unmasked_reads(uow.session, principal, [member.household_id], request.url.path)
    await uow.commit()
    return member_view(member, principal.sees_identifiers)


@router.post("/households/{household_id}/members", status_code=201, response_model=MemberRead)
async def add(household_id: uuid.UUID, body: MemberCreate, uow: UoW, principal: CurrentPrincipal,
              request: Request, version: Annotated[int | None, Depends(optional_version)]):
    member = await members.add_member(uow, principal, household_id, body, version)
    return await _view(uow, principal, member, request)


@router.patch("/members/{member_id}", response_model=MemberRead)
async def update(member_id: uuid.UUID, body: MemberUpdate, uow: UoW, principal: CurrentPrincipal,
                 request: Request, version: Annotated[int, Depends(expected_version)]):
    member = await members.update_member(uow, principal, member_id, body, version)
    return await _view(uow, principal, member, request)


@router.post("/members/{member_id}/removal", response_model=MemberRead)
async def remove(member_id: uuid.UUID, body: MemberRemoval, uow: UoW, principal: CurrentPrincipal,
                 request: Request, version: Annotated[int | None, Depends(optional_version)]):
    member = await departures.remove_member(uow, principal, member_id, body, version)
    return await _view(uow, principal, member, request)




@router.post("/members/{member_id}/move", response_model=MemberRead)
async def move(member_id: uuid.UUID, body: MemberMove, uow: UoW, principal: CurrentPrincipal, request: Request,
               version: Annotated[int, Depends(expected_version)]):
    member = await departures.move_member(uow, principal, member_id, body.household_id, version, body.effective_on)
    return await _view(uow, principal, member, request)
