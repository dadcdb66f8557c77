"""Checks every write starts with: role, area, existence, version."""

import uuid

from backstop_common.auth import Principal
from backstop_common.concurrency import check_version
from backstop_common.i18n import msg
from backstop_common.problems import NotFound, Unprocessable
from registry.vocab import WRITERS
from registry.models import Household
from registry.repository import areas, households


def may_write(principal: Principal) -> None:
    principal.ensure_role(*WRITERS)


async def village_for(session, principal: Principal, code: str) -> None:
    """The village must be in the caller's area (else it does not exist for them) and be a village."""
    principal.ensure_covers(code, "village")
    area = await areas.get_area(session, code)
    if area is None or area.level != "village":
        raise Unprocessable(msg("unknown village code {code}: create the area first", code=code), village_code=code)


async def household_for_write(session, principal: Principal, household_id: uuid.UUID,
                              expected: int | None) -> Household:
    """Locked until commit, so a concurrent writer waits and then sees the new version (409)."""
    may_write(principal)
    return writable(principal, await households.get_household(session, household_id, lock=True), expected)


def writable(principal: Principal, household, expected: int | None):
    """A locked household the caller may change: in their area (else it does not exist for them), at the
    version they last read (when they sent it)."""
    if household is None or not principal.covers(household.village_code):
        raise NotFound("household not found")
    if expected is not None:
        check_version(household.version, expected, "household")
    return household


async def household_for_read(session, principal: Principal, household_id: uuid.UUID) -> Household:
    household = await households.get_household(session, household_id)
    if household is None or not principal.covers(household.village_code):
        raise NotFound("household not found")
    return household
