"""Who handles a report (办理单位) and who is the level above: the office of the category's level over the
report's area; a report naming someone of that office goes one level higher from the start (回避)."""

from backstop_common.auth import Principal, Role, area_level, area_prefix, parent_area

COUNTY_ROLES = (Role.COUNTY_ADMIN, Role.COUNTY_STAFF)
OFFICE_OF_LEVEL = {"township": (Role.TOWNSHIP_STAFF,), "county": COUNTY_ROLES}


def at_level(area_code: str, level: str) -> str:
    """The code of ``area_code``'s ancestor (or itself) at ``level``; the area itself when already above."""
    keep = {"village": 12, "township": 9, "county": 6}[level]
    prefix = area_prefix(area_code)
    return prefix[:keep].ljust(12, "0") if len(prefix) > keep else area_code


def handling_area(area_code: str, level: str, accused_level: str | None) -> tuple[str, bool]:
    """(the handling office's area, whether it was moved up for a conflict of interest)."""
    area = at_level(area_code, level)
    if accused_level is not None and accused_level == area_level(area):
        return parent_area(area) or area, True
    return area, False


def handles(principal: Principal, area: str) -> bool:
    """The office at ``area`` (township staff of that township, county staff of that county)."""
    roles = OFFICE_OF_LEVEL.get(area_level(area), ())
    return principal.role in roles and principal.area_code == area
