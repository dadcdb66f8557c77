"""登录 / 退出: demo users when CONSOLE_DEMO_LOGIN=true, OpenID Connect against the county's provider."""

from typing import Annotated
from urllib.parse import urlsplit

import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from console import oidc
from console.auth import DEMO_USERS, csrf_ok, demo_sign_in, demo_user
from console.pages.common import CsrfRefused, render

router = APIRouter()
log = structlog.get_logger()


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would hand the session to someone else's page."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


@router.get("/login")
async def login_page(request: Request, next: str | None = None):
    settings = request.app.state.settings
    return render(request, "login.html", user=None, demo_users=DEMO_USERS if settings.demo_login else [],
                  oidc_enabled=oidc.enabled(settings), next=_safe_next(next))


@router.post("/login/demo")
async def login_demo(request: Request, user: Annotated[str, Form()], next: Annotated[str, Form()] = "/"):
    if not request.app.state.settings.demo_login:
        return render(request, "error.html", 404, title="未找到", message="页面不存在。")
    if not await csrf_ok(request):
        raise CsrfRefused()
    demo = demo_user(user)
    if demo is None:
        return render(request, "login.html", 400, user=None, demo_users=DEMO_USERS, next=_safe_next(next),
                      oidc_enabled=False, error="请选择一个演示用户。")
    demo_sign_in(request, demo)
    log.info("console.signed_in", method="demo", role=demo.role)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
async def logout(request: Request):
    if not await csrf_ok(request):
        raise CsrfRefused()
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


router.include_router(oidc.router)
