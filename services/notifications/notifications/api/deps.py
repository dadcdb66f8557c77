"""Route helpers shared by the notifications API."""

from fastapi import Request

from backstop_common.auth import Principal, Role
from backstop_common.i18n import msg
from notifications.context import Context

OFFICE_ROLES = (Role.COUNTY_ADMIN, Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF)
ADMIN_ROLES = (Role.COUNTY_ADMIN, Role.COUNTY_STAFF)
READ_ROLES = (*OFFICE_ROLES, Role.VILLAGE_CADRE, Role.AUDITOR, Role.SYSTEM)


def ctx_of(request: Request) -> Context:
    return request.app.state.ctx


def ensure_area_in_scope(principal: Principal, area: str, what: str) -> None:
    """A write may only touch the caller's own area (or inside it)."""
    principal.ensure_covers(area, what)


def ensure_prefix_in_scope(principal: Principal, prefix: str) -> None:
    from backstop_common.problems import Forbidden

    if not prefix.startswith(principal.scope):
        raise Forbidden(msg("area prefix {prefix} is outside your area {scope}", prefix=prefix or "(all)",
                            scope=principal.scope))
