"""``GET /api/v1/access-log``: who read which household's unmasked identifiers, and when (auditors, county admin)."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.openapi import refuses_roles
from backstop_common.paging import Page, Paging
from backstop_common.xlsx import XLSX_RESPONSES, write_xlsx, xlsx_response
from registry.domain import access_log
from registry.repository import audit
from registry.schemas.audit import AccessRead

router = APIRouter(tags=["access log"])


@router.get("/access-log", response_model=Page[AccessRead],
            responses=XLSX_RESPONSES | refuses_roles("auditors and the county admin only"))
async def read_access_log(uow: UoW, principal: CurrentPrincipal, paging: Paging,
                          household_id: uuid.UUID | None = None, member_id: uuid.UUID | None = None,
                          subject: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
                          since: datetime | None = None, until: datetime | None = None,
                          format: Literal["json", "xlsx"] = "json"):
    """访问日志 — who read unmasked identifiers, and when.

    Newest first; ``member_id`` finds the reads of that person's household file; ``subject`` is the reader.
    ``format=xlsx`` exports every matching row (not only the page)."""
    f = access_log.access_filter(principal, household_id=household_id, member_id=member_id, subject=subject,
                                 since=since, until=until)
    if format == "xlsx":
        rows = await access_log.export_rows(uow.session, f)
        return xlsx_response(write_xlsx(access_log.HEADER_LABELS, rows, sheet="访问日志"), "access-log.xlsx")
    rows, total = await audit.access_page(uow.session, f, paging.limit, paging.offset)
    return Page[AccessRead](items=[AccessRead(**access_log.as_row(e, v)) for e, v in rows], total=total)
