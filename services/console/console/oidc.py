"""Production sign-in: the OpenID Connect authorization-code flow against the county's provider.

Authlib does the protocol: discovery from ``<issuer>/.well-known/openid-configuration``, state and nonce
in the session, the code exchange, and the ID token checked against the provider's JWKS. The provider
puts ``role``, ``area`` and (department staff) ``department`` in its tokens, the claims the services
read; the access token is what the console forwards to them.
"""

from authlib.integrations.starlette_client import OAuth, OAuthError
from joserfc.errors import JoseError  # Authlib ≥ 1.6 checks ID tokens with joserfc
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
import structlog

from console.auth import User, sign_in
from console.config import Settings
from console.pages.common import render

router = APIRouter()
log = structlog.get_logger()
PROVIDER = "county"


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def _client(request: Request):
    state = request.app.state
    if getattr(state, "oauth", None) is None:
        settings = state.settings
        oauth = OAuth()
        oauth.register(PROVIDER, client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
                       server_metadata_url=f"{settings.oidc_issuer.rstrip('/')}/.well-known/openid-configuration",
                       client_kwargs={"scope": settings.oidc_scope})
        state.oauth = oauth
    return state.oauth.create_client(PROVIDER)


def user_from_claims(claims: dict, access_token: str) -> User | None:
    """The provider's claims as the services read them; a token without role or area signs no one in."""
    role, area = claims.get("role"), str(claims.get("area", ""))
    if not role or len(area) != 12 or not area.isdigit():
        return None
    name = claims.get("name") or claims.get("preferred_username") or str(claims.get("sub"))
    return User(access_token, str(claims["sub"]), role, area, name, claims.get("department"))


@router.get("/login/oidc")
async def login_oidc(request: Request):
    if not enabled(request.app.state.settings):
        return render(request, "error.html", 404, title="未找到", message="未配置统一身份认证。")
    return await _client(request).authorize_redirect(request, str(request.url_for("oidc_callback")))


@router.get("/auth/callback", name="oidc_callback")
async def oidc_callback(request: Request):
    try:
        token = await _client(request).authorize_access_token(request)
    except (OAuthError, JoseError) as exc:  # refused by the provider, or a token its keys did not sign
        log.warning("console.oidc_failed", error=getattr(exc, "error", type(exc).__name__))
        return render(request, "error.html", 401, title="登录未成功", message="统一身份认证未通过，请重新登录。")
    user = user_from_claims(token.get("userinfo") or {}, token["access_token"])
    if user is None:
        return render(request, "error.html", 403, title="登录未成功", message="您的账号未分配角色或辖区，请联系管理员。")
    ttl = min(int(token.get("expires_in", request.app.state.settings.session_ttl_s)),
              request.app.state.settings.session_ttl_s)
    sign_in(request, user, ttl)
    log.info("console.signed_in", method="oidc", role=user.role)
    return RedirectResponse("/", status_code=303)
