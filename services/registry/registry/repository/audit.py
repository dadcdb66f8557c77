"""Queries on the change history and the access log."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.db import DriverSession, driver_connection
from backstop_common.paging_queries import fetch_page

from registry.models import AccessLogEntry, ChangeRecord, Household, Member

#: what an access-log row says was read unmasked
IDENTIFIER_FIELDS = "id_number,phone"


async def history(session: AsyncSession, household_id: uuid.UUID, limit: int, offset: int
                  ) -> tuple[list[ChangeRecord], int]:
    query = select(ChangeRecord).where(ChangeRecord.household_id == household_id)
    return await fetch_page(session, query, ChangeRecord.seq, limit=limit, offset=offset)


LOG_ACCESS = """
INSERT INTO access_log (subject, role, household_id, path, fields)
SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[])
"""
_ACCESS = ("subject", "role", "household_id", "path", "fields")


async def log_access(session: AsyncSession | DriverSession, entries: list[dict]) -> None:
    """One statement for any number of reads (a list page logs every household on it), on the driver's connection
    (a hot route's session has no ORM): in the session's transaction when it has begun one, else alone."""
    if entries:
        con = await driver_connection(session)
        await con.execute(LOG_ACCESS, *([e[c] for e in entries] for c in _ACCESS))


@dataclass(frozen=True)
class AccessFilter:
    """Whose data (household or member), who read it, and when (``since`` ≤ read_at < ``until``)."""

    scope: str
    household_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _access_query(f: AccessFilter):
    query = (select(AccessLogEntry, Household.village_code)
             .join(Household, Household.id == AccessLogEntry.household_id)
             .where(Household.village_code.like(f.scope + "%")))
    if f.household_id:
        query = query.where(AccessLogEntry.household_id == f.household_id)
    if f.member_id:  # a person's ID number is read with their household's file
        query = query.where(AccessLogEntry.household_id == select(Member.household_id)
                            .where(Member.id == f.member_id).scalar_subquery())
    if f.subject:
        query = query.where(AccessLogEntry.subject == f.subject)
    if f.since:
        query = query.where(AccessLogEntry.read_at >= f.since)
    if f.until:
        query = query.where(AccessLogEntry.read_at < f.until)
    return query


async def access_page(session: AsyncSession, f: AccessFilter, limit: int, offset: int) -> tuple[list, int]:
    return await fetch_page(session, _access_query(f), AccessLogEntry.seq.desc(), limit=limit, offset=offset)


async def access_stream(session: AsyncSession, f: AccessFilter) -> AsyncIterator:
    """Every matching row, newest first, without holding them all (the XLSX export)."""
    result = await session.stream(_access_query(f).order_by(AccessLogEntry.seq.desc())
                                  .execution_options(yield_per=2000))
    async for row in result:
        yield row


async def purge_access_log(session: AsyncSession, older_than: datetime) -> int:
    result = await session.execute(delete(AccessLogEntry).where(AccessLogEntry.read_at < older_than))
    return result.rowcount or 0
