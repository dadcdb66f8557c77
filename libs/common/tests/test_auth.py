import time

import jwt
import pytest

from backstop_common.auth import Principal, Role, area_level, area_prefix, decode_token, mint_token, parent_area
from backstop_common.problems import Forbidden, NotFound, Unauthorized
from backstop_common.settings import ServiceSettings

SETTINGS = ServiceSettings()


@pytest.mark.parametrize("code,prefix,level,parent", [
    ("210000000000", "21", "province", None),
    ("211200000000", "2112", "city", "210000000000"),
    ("211204000000", "211204", "county", "211200000000"),
    ("211204001000", "211204001", "township", "211204000000"),
    ("211204001002", "211204001002", "village", "211204001000"),
])
def test_division_codes(code, prefix, level, parent):
    assert area_prefix(code) == prefix
    assert area_level(code) == level
    assert parent_area(code) == parent


def test_scope_of_a_township_covers_its_villages_only():
    township = Principal("u1", Role.TOWNSHIP_STAFF, "211204001000")
    assert township.covers("211204001002")
    assert not township.covers("211204002001")
    with pytest.raises(NotFound):
        township.ensure_covers("211204002001")
    with pytest.raises(Forbidden):
        township.ensure_role(Role.COUNTY_ADMIN)


def test_minted_token_round_trips():
    token = mint_token(SETTINGS, role="department", area="211204000000", department="health")
    principal = decode_token(SETTINGS, token)
    assert principal.role is Role.DEPARTMENT and principal.department == "health"
    assert principal.area_code == "211204000000" and not principal.sees_identifiers


@pytest.mark.parametrize("claims", [
    {"role": "village_cadre", "area": "211204001001", "exp": int(time.time()) - 10},
    {"role": "emperor", "area": "211204001001"},
    {"role": "village_cadre", "area": "2112"},
    {"role": "village_cadre"},
])
def test_bad_tokens_are_refused(claims):
    body = {"sub": "x", "iss": SETTINGS.jwt_issuer, "exp": int(time.time()) + 60} | claims
    with pytest.raises(Unauthorized):
        decode_token(SETTINGS, jwt.encode(body, SETTINGS.jwt_secret, algorithm="HS256"))


def test_token_signed_with_another_key_is_refused():
    token = jwt.encode({"sub": "x", "role": "county_admin", "area": "211204000000", "iss": SETTINGS.jwt_issuer,
                        "exp": int(time.time()) + 60}, "another-secret-of-enough-length-123", algorithm="HS256")
    with pytest.raises(Unauthorized):
        decode_token(SETTINGS, token)


def test_a_verified_token_is_refused_once_it_expires_and_only_for_the_key_that_signed_it():
    """Verified tokens are remembered (issue 18), but not past their ``exp`` nor for another key."""
    token = mint_token(SETTINGS, role="village_cadre", area="211204001001", ttl_s=2)
    assert decode_token(SETTINGS, token).area_code == "211204001001"
    assert decode_token(SETTINGS, token).area_code == "211204001001"  # remembered
    other = SETTINGS.model_copy(update={"jwt_secret": "another-secret-of-enough-length-123"})
    with pytest.raises(Unauthorized):
        decode_token(other, token)
    time.sleep(2.1)
    with pytest.raises(Unauthorized):
        decode_token(SETTINGS, token)


def _scoped_app():
    """Three routes taking an area in the query, the path and the body, as the kernel mounts a service's routes."""
    from fastapi import APIRouter, FastAPI
    from pydantic import BaseModel

    from backstop_common.auth import AREAS_ABOVE_TOO, AreaInScope, CurrentPrincipal
    from backstop_common.problems import install_problem_handlers

    class Body(BaseModel):
        area_code: str
        amount: int

    router = APIRouter()

    @router.get("/report")
    async def report(principal: CurrentPrincipal, area_code: str | None = None) -> dict:
        return {"area_code": area_code}

    @router.get("/policy/{area_code}", openapi_extra=AREAS_ABOVE_TOO)
    async def policy(area_code: str, principal: CurrentPrincipal) -> dict:
        return {"area_code": area_code}

    @router.post("/allocations")
    async def allocate(body: Body, principal: CurrentPrincipal) -> dict:
        return body.model_dump()

    @router.post("/public/reports")
    async def report_anonymously(body: Body) -> dict:
        return body.model_dump()

    app = FastAPI()
    app.state.settings = SETTINGS
    install_problem_handlers(app)
    app.include_router(router, dependencies=[AreaInScope])
    return app


async def test_an_area_outside_the_caller_is_refused_before_anything_else():
    import httpx

    village, sibling, county = "211204001002", "211204001003", "211204000000"
    cadre = {"Authorization": f"Bearer {mint_token(SETTINGS, role='village_cadre', area=village)}"}
    transport = httpx.ASGITransport(app=_scoped_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=cadre) as client:
        async def status(method, url, **kw):
            return (await client.request(method, url, **kw)).status_code

        assert await status("GET", "/report", params={"area_code": village}) == 200
        assert await status("GET", "/report", params={"area_code": sibling}) == 404
        assert await status("GET", "/report", params={"area_code": county}) == 404  # not the village's to read
        assert await status("GET", "/report", params={"area_code": "12x"}) == 200  # left to the route's validation
        assert await status("GET", f"/policy/{county}") == 200  # a policy from above applies to the village
        assert await status("GET", f"/policy/{sibling}") == 404
        assert await status("POST", "/allocations", json={"area_code": sibling}) == 404  # before the body's 422
        assert await status("POST", "/allocations", json={"area_code": village}) == 422
        assert await status("POST", "/allocations", json={"area_code": village, "amount": 1}) == 200
        unsigned = await client.get("/report", params={"area_code": sibling}, headers={"Authorization": ""})
        assert unsigned.status_code == 401
        anonymous = await client.post("/public/reports", json={"area_code": sibling, "amount": 1},
                                      headers={"Authorization": ""})
        assert anonymous.status_code == 200  # a public route has no caller's area to leave
