"""Where an event happened and which area a rule's target level means for it."""

from backstop_common.auth import area_level, area_prefix, parent_area
from backstop_common.envelope import Event


def event_area(event: Event) -> str | None:
    """``ce_areacode``, else the village or area code in the data."""
    for candidate in (event.area_code, event.data.get("village_code"), event.data.get("area_code")):
        if isinstance(candidate, str) and len(candidate) == 12 and candidate.isdigit():
            return candidate
    return None


def at_level(area: str | None, level: str) -> str | None:
    """The 12-digit code of ``level`` for an event in ``area`` (None when that level is not above it)."""
    if not area:
        return None
    if level in ("event", "within"):
        return area
    if level == "parent":
        return parent_area(area)
    keep = {"township": 9, "county": 6}[level]
    if len(area_prefix(area)) < keep:
        return None
    return area[:keep].ljust(12, "0")


OFFICE_ROLE_BY_LEVEL = {"village": "village_cadre", "township": "township_staff", "county": "county_staff"}


def office_role(area: str) -> str | None:
    """The role that acts for an area's office: village cadre, township or county staff."""
    return OFFICE_ROLE_BY_LEVEL.get(area_level(area))
