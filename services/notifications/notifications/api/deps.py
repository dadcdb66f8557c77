"""Route helpers shared by the notifications API."""

from fastapi import Request

from backstop_common.auth import Role
from notifications.context import Context

OFFICE_ROLES = (Role.COUNTY_ADMIN, Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF)
ADMIN_ROLES = (Role.COUNTY_ADMIN, Role.COUNTY_STAFF)
READ_ROLES = (*OFFICE_ROLES, Role.VILLAGE_CADRE, Role.AUDITOR, Role.SYSTEM)


def ctx_of(request: Request) -> Context:
    return request.app.state.ctx


