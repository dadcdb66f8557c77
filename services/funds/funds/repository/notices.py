"""Public-notice queries: what anyone may read, by place, kind, year and date."""

from datetime import datetime

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import area_prefix
from backstop_common.paging import Page, PageParams
from funds.models.notices import PublicNotice
from funds.repository import page, where_equal
from funds.schemas.notices import NoticeRead


async def public_notices(session: AsyncSession, paging: PageParams, *, area_code: str | None, kind: str | None,
                         year: int | None, since: datetime | None) -> Page:
    query = where_equal(select(PublicNotice), (PublicNotice.kind, kind), (PublicNotice.year, year))
    if area_code:
        query = query.where(PublicNotice.area_code.like(area_prefix(area_code) + "%"))
    if since:
        query = query.where(PublicNotice.published_at >= since)
    return await page(session, query, paging, NoticeRead, PublicNotice.published_at.desc(), PublicNotice.id)
