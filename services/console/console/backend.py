"""The four services over HTTP: one client for the process, the signed-in user's token on every call.

The console never holds a database; whatever it shows, the owning service answered to this user's own
token, so it can never show more than the APIs allow that user.
"""

from dataclasses import dataclass
from typing import Any

import httpx
import structlog

log = structlog.get_logger()
SERVICES = ("registry", "monitoring", "funds", "notifications")
#: the language of every page (templates/base.html: lang="zh-CN"), asked of the services for what they say
PAGE_LANGUAGE = "zh-CN"


class ServiceDown(Exception):
    """A service did not answer in time, or answered 5xx: that part of the page is unavailable."""

    def __init__(self, service: str):
        super().__init__(service)
        self.service = service


class ApiRefused(Exception):
    """A service refused the call (4xx); ``problem`` is its RFC 9457 body."""

    def __init__(self, service: str, status: int, problem: dict, language: str | None = None):
        super().__init__(f"{service} answered {status}")
        self.service, self.status, self.problem = service, status, problem
        #: the answer's Content-Language (the service's catalogue: zh-CN, which the console always asks for)
        self.language = language


def build_client(timeout_s: float) -> httpx.AsyncClient:
    """Bounded everywhere: a slow service costs a page at most ``timeout_s``, never a hung worker."""
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 2.0)),
                             limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))


@dataclass
class Api:
    """The services as one user sees them, within one console request."""

    client: httpx.AsyncClient
    urls: dict[str, str]
    token: str | None
    request_id: str | None
    #: the console's pages are Chinese (it has no English), so it asks every service for zh-CN whatever the
    #: browser prefers: a browser set to English would otherwise get English refusals on a Chinese page
    language: str = PAGE_LANGUAGE

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Accept-Language": self.language}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.request_id:
            headers["X-Request-ID"] = self.request_id
        return {**headers, **(extra or {})}

    async def call(self, method: str, service: str, path: str, *, params: dict | None = None,
                   json: Any = None, headers: dict[str, str] | None = None) -> Any:
        url = f"{self.urls[service]}/api/v1{path}"
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            resp = await self.client.request(method, url, params=clean, json=json, headers=self._headers(headers))
        except httpx.HTTPError as exc:
            log.warning("console.backend_unreachable", service=service, path=path, error=type(exc).__name__)
            raise ServiceDown(service) from exc
        if resp.status_code >= 500:
            log.warning("console.backend_failed", service=service, path=path, status=resp.status_code)
            raise ServiceDown(service)
        if resp.status_code >= 400:
            problem = resp.json() if resp.headers.get("content-type", "").endswith("json") else {}
            raise ApiRefused(service, resp.status_code, problem, resp.headers.get("content-language"))
        return resp.json() if resp.content else None

    async def get(self, service: str, path: str, **params) -> Any:
        return await self.call("GET", service, path, params=params)

    async def post(self, service: str, path: str, json: Any = None, *, version: int | None = None) -> Any:
        headers = {"If-Match": str(version)} if version is not None else None
        return await self.call("POST", service, path, json=json, headers=headers)
