"""Production sign-in, end to end against a county identity provider run here as a real local HTTP server.

The provider (discovery, authorize, token, JWKS, RS256 ID tokens) is outside the system, so it is mocked —
as a real server on a free port; the console runs in-process and follows the authorization-code flow.
"""

import threading
import time
import uuid
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from authlib.jose import JsonWebKey, jwt
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from backstop_common.devstack import free_port
from console.config import Settings
from console.main import build_app

CLIENT_ID, CLIENT_SECRET = "backstop-console", "provider-issued-client-secret-0123456789"


class Provider:
    """A minimal OpenID provider: whatever the test puts in ``claims`` ends up in the ID token."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.key = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "k1"})
        self.signing_key = self.key  # a test swaps it for a key the JWKS does not hold
        self.claims: dict = {}
        self.codes: dict[str, str] = {}
        self.app = Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery), Route("/jwks", self.jwks),
            Route("/authorize", self.authorize), Route("/token", self.token, methods=["POST"])])

    async def discovery(self, _):
        return JSONResponse({"issuer": self.base, "authorization_endpoint": f"{self.base}/authorize",
                             "token_endpoint": f"{self.base}/token", "jwks_uri": f"{self.base}/jwks",
                             "response_types_supported": ["code"], "subject_types_supported": ["public"],
                             "id_token_signing_alg_values_supported": ["RS256"]})

    async def jwks(self, _):
        return JSONResponse({"keys": [self.key.as_dict(is_private=False, kid="k1")]})

    async def authorize(self, request: Request):
        q = request.query_params
        assert q["client_id"] == CLIENT_ID and q["response_type"] == "code"
        code = uuid.uuid4().hex
        self.codes[code] = q["nonce"]
        return RedirectResponse(f"{q['redirect_uri']}?code={code}&state={q['state']}", status_code=302)

    async def token(self, request: Request):
        form = await request.form()
        nonce = self.codes.pop(form["code"], None)
        if nonce is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {"iss": self.base, "aud": CLIENT_ID, "iat": now, "exp": now + 600, "nonce": nonce, **self.claims}
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.signing_key).decode()
        return JSONResponse({"access_token": "access-" + uuid.uuid4().hex, "token_type": "Bearer",
                             "expires_in": 3600, "id_token": id_token})


@pytest.fixture(scope="module")
def provider():
    port = free_port()
    found = Provider(port)
    server = uvicorn.Server(uvicorn.Config(found.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield found
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def console(provider):
    settings = Settings(backstop_env="dev", oidc_issuer=provider.base, oidc_client_id=CLIENT_ID,
                        oidc_client_secret=CLIENT_SECRET, demo_login=False,
                        **{f"{s}_url": "http://127.0.0.1:9" for s in ("registry", "monitoring", "funds",
                                                                         "notifications")})
    with TestClient(build_app(settings), base_url="http://testserver") as client:
        yield client


def sign_in(console: TestClient) -> httpx.Response:
    """The browser's round trip: console → provider's authorize → console's callback."""
    to_provider = console.get("/login/oidc", follow_redirects=False)
    assert to_provider.status_code in (302, 303, 307)
    back = httpx.get(to_provider.headers["location"], follow_redirects=False)
    assert back.status_code == 302
    callback = urlsplit(back.headers["location"])
    assert callback.path == "/auth/callback"
    return console.get(f"{callback.path}?{callback.query}", follow_redirects=False)


def test_a_county_user_signs_in_through_the_identity_provider(provider, console):
    provider.signing_key = provider.key
    provider.claims = {"sub": "u-77", "name": "张相镇 李干事", "role": "township_staff", "area": "211204101000"}
    assert "使用统一身份认证登录" in console.get("/login").text
    assert "演示环境" not in console.get("/login").text
    done = sign_in(console)
    assert done.status_code == 303 and done.headers["location"] == "/"
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = console.get("/")  # the services are not running here: the page says so, the user is signed in
    assert page.status_code == 200 and "张相镇 李干事" in page.text and "乡镇工作人员" in page.text
    assert "暂不可用" in page.text


def test_an_id_token_not_signed_by_the_providers_keys_signs_no_one_in(provider, console):
    provider.claims = {"sub": "u-78", "role": "county_admin", "area": "211204000000"}
    provider.signing_key = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "k1"})
    try:
        refused = sign_in(console)
    finally:
        provider.signing_key = provider.key
    assert refused.status_code == 401 and "统一身份认证未通过" in refused.text
    assert console.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_a_user_without_role_or_area_is_refused(provider, console):
    provider.claims = {"sub": "u-79", "name": "无角色"}
    refused = sign_in(console)
    assert refused.status_code == 403 and "未分配角色或辖区" in refused.text
    assert console.get("/", follow_redirects=False).headers["location"].startswith("/login")
