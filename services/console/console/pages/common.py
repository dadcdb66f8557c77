"""What every page handler uses: the signed-in user, their view of the services, rendering, parts."""

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Awaitable

from asgi_correlation_id import correlation_id
from fastapi import Request
from fastapi.responses import HTMLResponse

from console.auth import User, csrf_token, signed_in
from console.backend import Api, ApiRefused, ServiceDown
from console.formatting import LOCAL

SERVICE_NAMES = {"registry": "户档案服务", "monitoring": "监测帮扶服务", "funds": "资金项目服务",
                 "notifications": "消息服务"}


class NotSignedIn(Exception):
    """No session, or its time has passed: back to sign-in."""


class CsrfRefused(Exception):
    """A state-changing request without the session's CSRF token."""


@dataclass
class Part:
    """One service's share of a page: its data, or which service could not answer."""

    data: Any = None
    down: str | None = None
    #: the service answered 403: this user's role does not see this part
    refused: bool = False

    @property
    def down_name(self) -> str:
        return SERVICE_NAMES.get(self.down or "", self.down or "")


async def part(awaitable: Awaitable, default: Any = None) -> Part:
    try:
        return Part(await awaitable)
    except ServiceDown as exc:
        return Part(default, exc.service)
    except ApiRefused as exc:
        if exc.status != 403:
            raise
        return Part(default, refused=True)


async def parts(*awaitables: Awaitable) -> list[Part]:
    """The page's calls at once: the page costs the slowest call, not their sum."""
    return list(await asyncio.gather(*(part(a) for a in awaitables)))


def today() -> date:
    return datetime.now(LOCAL).date()


@dataclass
class Page:
    request: Request
    user: User | None
    api: Api

    def render(self, template: str, status: int = 200, **context) -> HTMLResponse:
        return render(self.request, template, status, user=self.user, **context)


def make_api(request: Request, user: User | None) -> Api:
    state = request.app.state
    return Api(state.http, state.urls, user.token if user else None, correlation_id.get())


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    state = request.app.state
    public = context.pop("public", False)  # a public page sets no cookie and carries no session token
    context.setdefault("user", None if public else signed_in(request))
    return state.templates.TemplateResponse(request, template, {
        "csrf": "" if public else csrf_token(request), "demo": state.settings.demo_login, "asset": state.assets.url,
        "request_id": correlation_id.get(), "today": today(), **context}, status_code=status)


async def signed_in_page(request: Request) -> Page:
    """Route dependency: the page of a signed-in user (else back to sign-in)."""
    user = signed_in(request)
    if user is None:
        raise NotSignedIn()
    return Page(request, user, make_api(request, user))


async def public_page(request: Request) -> Page:
    """Route dependency of pages open to anyone: the services are called without a token."""
    return Page(request, None, make_api(request, None))
