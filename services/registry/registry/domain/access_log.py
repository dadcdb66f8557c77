"""The access log of unmasked reads, opened to those who audit it (PIPL arts. 51, 55–56).

Every read of an unmasked ID number or phone writes a row (``views.log_unmasked_reads``); auditors and
the county admin read those rows for their area, and rows are kept at least three years."""

from datetime import datetime

import structlog

from backstop_common.auth import Principal, Role
from backstop_common.problems import Unprocessable
from backstop_common.uow import UnitOfWork
from backstop_common.vocab import ZH
from registry.repository import audit

log = structlog.get_logger()
READERS = (Role.AUDITOR, Role.COUNTY_ADMIN)
HEADERS = ["seq", "read_at", "subject", "role", "household_id", "village_code", "path", "fields"]
HEADER_LABELS = ["序号", "读取时间", "读取人", "角色", "户ID", "村代码", "接口", "读取字段"]


def access_filter(principal: Principal, **given) -> audit.AccessFilter:
    principal.ensure_role(*READERS)
    since, until = given.get("since"), given.get("until")
    for value in (since, until):
        if value is not None and value.tzinfo is None:
            raise Unprocessable("since and until need a time zone (e.g. 2026-01-01T00:00:00+08:00)")
    if since and until and since >= until:
        raise Unprocessable("since must be before until")
    return audit.AccessFilter(scope=principal.scope, **given)


def as_row(entry, village_code: str) -> dict:
    return {"seq": entry.seq, "read_at": entry.read_at, "subject": entry.subject, "role": entry.role,
            "household_id": entry.household_id, "village_code": village_code, "path": entry.path,
            "fields": entry.fields}


async def export_rows(session, f: audit.AccessFilter) -> list[list]:
    """The rows of the XLSX export, in the order of ``HEADERS`` (times as ISO 8601 with their offset, the
    reader's role by its Chinese name, as the column headers are)."""
    rows = []
    async for entry, village_code in audit.access_stream(session, f):
        row = as_row(entry, village_code)
        row["role"] = ZH["role"].get(row["role"], row["role"])
        rows.append([row[h].isoformat() if h == "read_at" else row[h] for h in HEADERS])
    return rows


def retention_cutoff(now: datetime, years: int) -> datetime:
    """``years`` calendar years before ``now`` (29 February falls back to the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


async def purge_expired(uow: UnitOfWork, now: datetime, years: int) -> int:
    """Delete what is older than the retention (never less than three years, see Settings)."""
    cutoff = retention_cutoff(now, years)
    purged = await audit.purge_access_log(uow.session, cutoff)
    if purged:
        log.info("access_log.purged", rows=purged, older_than=cutoff.isoformat())
    return purged
