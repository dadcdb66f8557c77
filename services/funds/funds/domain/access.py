"""Who may write what, and which area an allocation reaches."""

from backstop_common.auth import Principal, Role, area_prefix
from backstop_common.problems import NotFound

FINANCE = (Role.COUNTY_ADMIN, Role.COUNTY_STAFF, Role.SYSTEM)
PROJECTS = FINANCE + (Role.TOWNSHIP_STAFF,)
DECLARE = PROJECTS + (Role.VILLAGE_CADRE,)


def reaches(area_code: str, target_code: str | None) -> bool:
    """Money of an area may go to that area and anything inside it."""
    return bool(target_code) and target_code.startswith(area_prefix(area_code))


def sees_allocation(principal: Principal, area_code: str) -> bool:
    """An office sees allocations in its area and those above it that may reach it."""
    return principal.covers(area_code) or reaches(area_code, principal.area_code)


def ensure_sees_allocation(principal: Principal, area_code: str) -> None:
    if not sees_allocation(principal, area_code):
        raise NotFound("allocation not found")
