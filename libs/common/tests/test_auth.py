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
