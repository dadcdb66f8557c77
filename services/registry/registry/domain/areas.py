"""Areas: the county's townships and villages with their 12-digit codes."""

from backstop_common.auth import Principal, Role, area_level, parent_area
from backstop_common.i18n import msg
from backstop_common.problems import Conflict, Unprocessable
from registry.repository import areas as repo
from registry.schemas.areas import AreaCreate

ADMINS = (Role.COUNTY_ADMIN, Role.COUNTY_STAFF, Role.SYSTEM)


def _row(data: AreaCreate) -> dict:
    level = area_level(data.code)
    parent = data.parent_code or parent_area(data.code)
    if parent and parent != parent_area(data.code):
        raise Unprocessable(msg("{parent} is not the parent of {code}", parent=data.parent_code, code=data.code),
                            code=data.code)
    return {"code": data.code, "name": data.name.strip(), "level": level, "parent_code": parent}


async def create_areas(session, principal: Principal, items: list[AreaCreate], *, single: bool = False
                       ) -> tuple[int, int]:
    """Create many areas at once (parents before or beside children); returns (created, unchanged)."""
    principal.ensure_role(*ADMINS)
    for item in items:
        principal.ensure_covers(item.code, "area")
    rows = [_row(i) for i in items]
    codes = {r["code"] for r in rows}
    if len(codes) != len(rows):
        raise Unprocessable("the same area code is given twice")
    known = await repo.existing_codes(session, sorted({r["parent_code"] for r in rows if r["parent_code"]}))
    for r in rows:
        needs_parent = r["level"] in ("township", "village")
        if needs_parent and r["parent_code"] not in codes and r["parent_code"] not in known:
            raise Unprocessable(msg("parent area {parent} of {code} does not exist", parent=r["parent_code"], code=r["code"]),
                                code=r["code"])
    created = await repo.insert_areas(session, rows)
    if single and not created:
        raise Conflict(msg("area {code} already exists", code=rows[0]["code"]))
    return created, len(rows) - created
