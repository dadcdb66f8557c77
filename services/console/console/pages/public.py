"""资金公开 (惠民资金网): the public funds page — no sign-in, read-only, cached, rate-limited.

It shows only what funds publishes as public (allocations by source, projects from their 公示 on,
subsidies by village and kind) and registry's public division names; never a household.
"""

import asyncio
import time
from collections import deque
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.exceptions import HTTPException

from console.labels import label
from console.pages.common import Page, parts, public_page

router = APIRouter()
DEFAULT_AREA = "211204000000"
#: addresses remembered by the rate limit before the oldest are forgotten
MAX_TRACKED = 10_000
WINDOW_S = 60


class RateLimit:
    """At most ``per_minute`` requests in any sixty seconds per client address (a sliding window)."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self.hits: dict[str, deque[float]] = {}

    def allow(self, who: str) -> bool:
        now = time.monotonic()
        window = self.hits.pop(who, None) or deque()
        while window and window[0] <= now - WINDOW_S:
            window.popleft()
        self.hits[who] = window  # re-inserted last: the oldest callers are the first forgotten
        while len(self.hits) > MAX_TRACKED:
            self.hits.pop(next(iter(self.hits)))
        if len(window) >= self.per_minute:
            return False
        window.append(now)
        return True


class Cache:
    """The services' public answers, kept ``ttl`` seconds per area: a crowd costs the services nothing."""

    def __init__(self, ttl: float):
        self.ttl, self.entries, self.lock = ttl, {}, asyncio.Lock()

    async def get(self, key: str, load):
        hit = self.entries.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        async with self.lock:
            hit = self.entries.get(key)
            if hit and hit[0] > time.monotonic():
                return hit[1]
            value = await load()
            if not any(p.down for p in value):  # an outage is not kept
                self.entries[key] = (time.monotonic() + self.ttl, value)
            return value


def _limits(request: Request) -> tuple[RateLimit, Cache]:
    state, settings = request.app.state, request.app.state.settings
    if getattr(state, "public_limit", None) is None:
        state.public_limit = RateLimit(settings.public_rate_per_minute)
        state.public_cache = Cache(settings.public_cache_s)
    return state.public_limit, state.public_cache


@router.get("/public/funds")
async def public_funds(request: Request, page: Annotated[Page, Depends(public_page)],
                       area: Annotated[str, Query(pattern=r"^\d{12}$")] = DEFAULT_AREA):
    limit, cache = _limits(request)
    if not limit.allow(request.client.host if request.client else "unknown"):
        raise HTTPException(429)
    funds, areas = await cache.get(area, lambda: parts(
        page.api.get("funds", "/public/funds", area_code=area),
        page.api.get("registry", "/public/areas", area_code=area, limit=500)))
    names = {a["code"]: a["name"] for a in (areas.data or {}).get("items", [])}
    children = [a for a in (areas.data or {}).get("items", []) if a.get("parent_code") == area]
    chart = [{"name": label("fund_source", a["source"]), "value": float(a["amount"])}
             for a in (funds.data or {}).get("allocations", [])]
    response = page.render("public_funds.html", area=area, funds=funds, names=names, children=children,
                           chart_named=chart, public=True)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
