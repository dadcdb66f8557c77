"""Member routes: add to a household, change, leave (减员)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, StringConstraints

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal, Role
from backstop_common.examples import example
from backstop_common.openapi import conflicts, problem_responses
from backstop_common.problems import NotFound
from backstop_common.concurrency import expected_version, optional_version
from registry.domain import departures, members
from registry.domain.views import log_unmasked_reads, member_view
from registry.repository import members as member_repo
from registry.schemas.members import MemberCreate, MemberMove, MemberRead, MemberRemoval, MemberUpdate

router = APIRouter(tags=["members"])


async def shown(uow, principal, member, path: str) -> MemberRead:
    """The member as the caller may see it, an unmasked view access-logged (committed with the change)."""
    await log_unmasked_reads(uow.session, principal, [member.household_id], path)
    return member_view(member, principal.sees_identifiers)


async def _view(uow, principal, member, request: Request) -> MemberRead:
    view = await shown(uow, principal, member, request.url.path)
    await uow.commit()
    return view


@router.post("/households/{household_id}/members", status_code=201, response_model=MemberRead,
             responses=conflicts("the ID number is registered, or a second head (户主) is added"))
async def add(household_id: uuid.UUID, body: MemberCreate, uow: UoW, principal: CurrentPrincipal,
              request: Request, version: Annotated[int | None, Depends(optional_version)]):
    """增员 — adds a member to a household.

    A birth, marriage or other arrival; answers the member."""
    member = await members.add_member(uow, principal, household_id, body, version)
    return await _view(uow, principal, member, request)


@router.patch("/members/{member_id}", response_model=MemberRead)
async def update(member_id: uuid.UUID, body: MemberUpdate, uow: UoW, principal: CurrentPrincipal,
                 request: Request, version: Annotated[int, Depends(expected_version)]):
    """修改成员信息 — changes a member's facts.

    Health, disability, schooling, work, insurance and the like, against the version last read (If-Match); a change
    may open a monitoring case."""
    member = await members.update_member(uow, principal, member_id, body, version)
    return await _view(uow, principal, member, request)


@router.post("/members/{member_id}/removal", response_model=MemberRead,
             responses=conflicts("the member has already left"))
async def remove(member_id: uuid.UUID, body: MemberRemoval, uow: UoW, principal: CurrentPrincipal,
                 request: Request, version: Annotated[int | None, Depends(optional_version)]):
    """减员 — a member leaves the household.

    Death, marriage away, moving away or other; the member stays in the history."""
    member = await departures.remove_member(uow, principal, member_id, body, version)
    return await _view(uow, principal, member, request)




@router.post("/members/{member_id}/move", response_model=MemberRead,
             responses=conflicts("the member has left the household"))
async def move(member_id: uuid.UUID, body: MemberMove, uow: UoW, principal: CurrentPrincipal, request: Request,
               version: Annotated[int, Depends(expected_version)]):
    """成员迁移 — moves a member to another household.

    The member leaves this household and joins the named one (both in the caller's area)."""
    member = await departures.move_member(uow, principal, member_id, body.household_id, version, body.effective_on)
    return await _view(uow, principal, member, request)


@example({"id_number": "211204197803150028"})
class MemberMatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: Annotated[str, StringConstraints(pattern=r"^\d{17}[\dXx]$")]


class MemberMatch(BaseModel):
    member_id: uuid.UUID
    household_id: uuid.UUID
    village_code: str


@router.post("/members/match", response_model=MemberMatch, responses=problem_responses(404))
async def match(body: MemberMatchIn, uow: UoW, principal: CurrentPrincipal) -> MemberMatch:
    """身份证号匹配 — whose ID number this is (services only).

    Another Backstop service (a ``system`` token) asks whose ID number this is, inside its area — monitoring
    matching a household's own declaration (自主申报). The number travels in the body, never in a URL."""
    principal.ensure_role(Role.SYSTEM)
    found = await member_repo.holder_in_scope(uow.session, body.id_number.upper(), principal.scope)
    if found is None:
        raise NotFound("no current member with this ID number in your area")
    return MemberMatch(member_id=found[0], household_id=found[1], village_code=found[2])
