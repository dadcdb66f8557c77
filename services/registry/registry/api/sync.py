"""/api/v1/sync/...: the lists a phone keeps offline, changed since its last sync (docs/clients.md, 离线同步)."""

from fastapi import APIRouter, Request

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.sync import Changes, since
from registry.domain import sync
from registry.schemas.households import HouseholdRow

router = APIRouter(tags=["sync"])
HouseholdsSince = since("households", tombstones=True)


@router.get("/sync/households", response_model=Changes[HouseholdRow])
async def households(uow: UoW, principal: CurrentPrincipal, request: Request, given: HouseholdsSince):
    """同步农户 — households changed since the last sync.

    The households of your area (建档立卡户) changed since ``changed_since``, with tombstones for those that
    moved out of it. Start without ``changed_since``; then send the ``next`` of your last answer."""
    answer = await sync.household_changes(uow.session, principal, given, request.url.path)
    await uow.commit()  # the access-log rows of unmasked rows
    return answer
