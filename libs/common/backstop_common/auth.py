"""JWT verification and area scoping (docs/contract.md §4).

Tokens come from the county's identity provider (RS256 with ``JWT_PUBLIC_KEY``) or, on one machine,
from ``backstop token`` (HS256 with ``JWT_SECRET``). Claims: ``sub``, ``role``, ``area`` (12-digit
division code) and, for department staff, ``department``.
"""

import re
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from backstop_common.i18n import msg, term
from backstop_common.problems import Forbidden, NotFound, Unauthorized
from backstop_common.settings import ServiceSettings


class Role(StrEnum):
    COUNTY_ADMIN = "county_admin"
    COUNTY_STAFF = "county_staff"
    TOWNSHIP_STAFF = "township_staff"
    VILLAGE_CADRE = "village_cadre"
    HELPER = "helper"
    DEPARTMENT = "department"
    AUDITOR = "auditor"
    HOTLINE_OPERATOR = "hotline_operator"  # the 12317 desk: takes reports in and calls reporters back
    SYSTEM = "system"


#: roles that may read identifiers unmasked (every such read is written to the access log)
UNMASKED_ROLES = frozenset({Role.COUNTY_ADMIN, Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF, Role.VILLAGE_CADRE})
#: roles that may only read
READ_ONLY_ROLES = frozenset({Role.AUDITOR})


def area_prefix(code: str) -> str:
    """The prefix of every division code inside ``code``: 211204000000 -> 211204.

    GB/T 2260 + the statistical codes: 2 province, 2 city, 2 county, 3 township, 3 village.
    """
    for keep, zeros in ((2, 10), (4, 8), (6, 6), (9, 3)):
        if code[keep:] == "0" * zeros:
            return code[:keep]
    return code


def area_level(code: str) -> str:
    return {2: "province", 4: "city", 6: "county", 9: "township"}.get(len(area_prefix(code)), "village")


def parent_area(code: str) -> str | None:
    """The code of the next level up (village -> township -> county -> city -> province)."""
    prefix = area_prefix(code)
    for keep in (9, 6, 4, 2):
        if len(prefix) > keep:
            return prefix[:keep].ljust(12, "0")
    return None


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    area_code: str
    department: str | None = None

    @property
    def scope(self) -> str:
        """The area-code prefix this principal may see (auditors see their whole area too)."""
        return area_prefix(self.area_code)

    def covers(self, area_code: str | None) -> bool:
        return bool(area_code) and area_code.startswith(self.scope)

    def lies_within(self, area_code: str) -> bool:
        """The caller's area is ``area_code`` or inside it (a county's money or policy reaches its villages)."""
        return self.area_code.startswith(area_prefix(area_code))

    def ensure_covers(self, area_code: str | None, what: str = "resource") -> None:
        """Outside the caller's area a record does not exist for them: 404, not 403."""
        if not self.covers(area_code):
            raise NotFound(msg("{what} not found", what=msg(what)))

    def ensure_role(self, *roles: Role) -> None:
        if self.role not in roles:
            raise Forbidden(msg("role {role} may not do this; needs one of: {roles}",
                                role=term("role", str(self.role)), roles=term("role", list(roles))))

    @property
    def sees_identifiers(self) -> bool:
        return self.role in UNMASKED_ROLES


def default_subject(role: str, area: str, department: str | None = None) -> str:
    """The subject of a token minted without one, and of the demo county's users (``demo.users``):
    ``village_cadre@211204101200``, ``education@211204000000`` for a bureau's staff."""
    return f"{department or Role(role).value}@{area}"


def mint_token(settings: ServiceSettings, *, role: str, area: str, subject: str | None = None,
               department: str | None = None, ttl_s: int = 12 * 3600) -> str:
    now = int(time.time())
    claims = {"sub": subject or default_subject(role, area, department), "role": Role(role).value, "area": area,
              "iss": settings.jwt_issuer, "iat": now, "exp": now + ttl_s}
    if department:
        claims["department"] = department
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


#: tokens already verified: (token, key, algorithm, issuer) -> (principal, exp). A client sends the same token
#: for hours; verifying its signature again on every request was ~0.1 ms of each (bench/RESULTS.md, issue 18).
#: A hit is still refused once ``exp`` has passed (then verified afresh, which answers the usual 401).
_verified: dict[tuple[str, str, str, str], tuple[Principal, float]] = {}
VERIFIED_TOKENS_KEPT = 4096


def decode_token(settings: ServiceSettings, token: str) -> Principal:
    key = settings.jwt_public_key or settings.jwt_secret
    cache_key = (token, key, settings.jwt_algorithm, settings.jwt_issuer)
    hit = _verified.get(cache_key)
    if hit is not None and hit[1] > time.time():
        return hit[0]
    principal, exp = _verify(token, key, settings)
    if len(_verified) >= VERIFIED_TOKENS_KEPT:
        _verified.clear()  # bounded; the next requests verify again
    _verified[cache_key] = (principal, exp)
    return principal


def _verify(token: str, key: str, settings: ServiceSettings) -> tuple[Principal, float]:
    try:
        claims = jwt.decode(token, key, algorithms=[settings.jwt_algorithm], issuer=settings.jwt_issuer,
                            options={"require": ["exp", "sub", "role", "area"]})
        role = Role(claims["role"])
    except (jwt.PyJWTError, ValueError) as exc:
        raise Unauthorized(msg("invalid token: {reason}", reason=str(exc))) from exc
    area = str(claims["area"])
    if len(area) != 12 or not area.isdigit():
        raise Unauthorized(msg("invalid token: area must be a 12-digit division code"))
    return Principal(subject=str(claims["sub"]), role=role, area_code=area,
                     department=claims.get("department")), float(claims["exp"])


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise Unauthorized(msg("a bearer token is required"))
    principal = decode_token(request.app.state.settings, credentials.credentials)
    if principal.role in READ_ONLY_ROLES and request.method not in ("GET", "HEAD", "OPTIONS"):
        raise Forbidden(msg("this role is read-only"))
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


#: the one name every route gives the area it reads or writes (query, path or JSON body)
AREA_PARAM = "area_code"
#: ``openapi_extra`` of a read that also answers for the areas above the caller's, as what is decided there
#: reaches them (funds' allocations, monitoring's policy); another village stays refused
AREAS_ABOVE_TOO = {"x-area-scope": "own, inside and above"}
_DIVISION_CODE = re.compile(r"^[0-9]{12}$")
#: id(route) -> (route, where it takes an area); routes are unhashable and live as long as their app
_area_sources: dict[int, tuple[APIRoute, frozenset[str]]] = {}


def _takes_area(dependant: Dependant) -> set[str]:
    """Where a route or one of its dependencies (a filter class, say) takes an ``area_code``."""
    models = [p.field_info.annotation for p in dependant.body_params]
    found = {"query"} if any(p.name == AREA_PARAM for p in dependant.query_params) else set()
    found |= {"path"} if any(p.name == AREA_PARAM for p in dependant.path_params) else set()
    found |= {"body"} if any(isinstance(m, type) and issubclass(m, BaseModel) and AREA_PARAM in m.model_fields
                             for m in models) else set()
    for sub in dependant.dependencies:
        found |= _takes_area(sub)
    return found


def _signed_in(dependant: Dependant) -> bool:
    """The route knows its caller (it or a dependency takes ``CurrentPrincipal``)."""
    return dependant.call is current_principal or any(_signed_in(sub) for sub in dependant.dependencies)


def _sources_of(route: APIRoute) -> frozenset[str]:
    """Where a signed-in route takes an ``area_code``; a public route (a 12317 report) has no caller's area."""
    cached = _area_sources.get(id(route))
    if cached is None or cached[0] is not route:
        sources = frozenset(_takes_area(route.dependant)) if _signed_in(route.dependant) else frozenset()
        cached = _area_sources[id(route)] = (route, sources)
    return cached[1]


def requests_no_areas(route: APIRoute) -> bool:
    """The area-in-scope check has nothing to check on this route (it takes no ``area_code``, or is public)."""
    return not _sources_of(route)


async def _requested_areas(request: Request, route: APIRoute | None) -> list[str]:
    sources = _sources_of(route) if route is not None else frozenset()
    values = [request.query_params.get(AREA_PARAM) if "query" in sources else None,
              request.path_params.get(AREA_PARAM) if "path" in sources else None]
    if "body" in sources and "json" in request.headers.get("content-type", "") and await request.body():
        body = await request.json()  # FastAPI has already parsed it; Starlette hands back the same object
        values.append(body.get(AREA_PARAM) if isinstance(body, dict) else None)
    # a malformed code is left to the route's validation (422), not answered as "outside your area"
    return [v for v in values if isinstance(v, str) and _DIVISION_CODE.match(v)]


async def area_in_scope(request: Request) -> None:
    """Every route that takes an ``area_code`` refuses one outside the caller's area: 404, as ``ensure_covers``.

    Installed on every service's API routes by ``app.create_app``, so a new route cannot forget it; it runs
    before the route's own checks (role, If-Match, body validation), as a record outside the caller's area
    does not exist for them whatever else is wrong with the request.
    """
    route = request.scope.get("route")
    route = route if isinstance(route, APIRoute) else None
    codes = await _requested_areas(request, route)
    if not codes:
        return
    principal = await current_principal(request, await _bearer(request))
    above_too = route.openapi_extra == AREAS_ABOVE_TOO
    for code in codes:
        if not (above_too and principal.lies_within(code)):
            principal.ensure_covers(code, "area")


AreaInScope = Depends(area_in_scope)
