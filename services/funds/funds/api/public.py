"""Routes open to the public without an account (docs/contract.md §6): the funds' public notices (公告公示).

Rate-limited per caller address; they answer with facts only, never personal data."""

import time
from collections import deque
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from backstop_common.app import UoW
from backstop_common.paging import Page, Paging
from backstop_common.problems import TooManyRequests, Unprocessable
from funds.api.common import AreaFilter, YearFilter
from funds.domain import public_summary
from funds.repository import notices as repo
from funds.schemas.notices import NoticeKind, NoticeRead
from funds.schemas.reports import PublicFunds

#: the OpenAPI marks these routes public: no bearer token
PUBLIC = {"security": [], "x-public": True}
LIMITED = {429: {"description": "请求过于频繁（见 Retry-After）", "content": {"application/problem+json": {}}}}
#: addresses remembered at most; beyond it the oldest windows are forgotten (memory stays bounded)
MAX_CALLERS = 10_000
WINDOW_S = 60
router = APIRouter(prefix="/public", tags=["public"])


class PerMinute:
    """A sliding one-minute window of request times per caller address, in this process."""

    def __init__(self) -> None:
        self.hits: dict[str, deque[float]] = {}

    def retry_after(self, key: str, limit: int, now: float) -> int:
        """0 when the request may go on (and it is counted); otherwise the seconds to wait."""
        window = self.hits.pop(key, None) or deque()
        while window and window[0] <= now - WINDOW_S:
            window.popleft()
        self.hits[key] = window                   # re-inserted: the dict keeps recent callers last
        if len(window) >= limit:
            return max(1, int(window[0] + WINDOW_S - now) + 1)
        window.append(now)
        while len(self.hits) > MAX_CALLERS:
            self.hits.pop(next(iter(self.hits)))
        return 0


async def rate_limited(request: Request) -> None:
    limiter = getattr(request.app.state, "public_limiter", None)
    if limiter is None:
        limiter = request.app.state.public_limiter = PerMinute()
    host = request.client.host if request.client else "unknown"
    wait = limiter.retry_after(host, request.app.state.settings.public_rate_per_minute, time.monotonic())
    if wait:
        raise TooManyRequests("too many requests; please try again later", retry_after=wait)


@router.get("/notices", response_model=Page[NoticeRead], openapi_extra=PUBLIC, responses=LIMITED,
            dependencies=[Depends(rate_limited)], summary="资金公告公示（无需登录）")
async def public_notices(uow: UoW, paging: Paging, area_code: AreaFilter = None, kind: NoticeKind | None = None,
                         year: YearFilter = None, since: datetime | None = None):
    """资金公告公示 — allocation results and project arrangements.

    Allocation results (分配结果) and project arrangements (项目安排), newest first, with their dates."""
    if since is not None and since.tzinfo is None:
        raise Unprocessable("since needs a time zone (e.g. 2026-01-01T00:00:00+08:00)")
    return await repo.public_notices(uow.session, paging, area_code=area_code, kind=kind, year=year, since=since)


@router.get("/funds", response_model=PublicFunds, openapi_extra=PUBLIC, responses=LIMITED, dependencies=[Depends(rate_limited)],
            summary="惠民惠农资金公开：按来源、项目、补助汇总（无需登录）")
async def public_funds(uow: UoW, area_code: Annotated[str, Query(pattern=r"^[0-9]{12}$")]):
    """惠民惠农资金公开 — the area's money in public.

    Allocations by source with what is spent, projects from their 公示 on, subsidies by village and kind."""
    return PublicFunds.model_validate(await public_summary.summary(uow.session, area_code))
