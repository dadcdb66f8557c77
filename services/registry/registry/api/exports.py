"""``GET /api/v1/exports/households.xlsx``: the list's households, one row per person, in the national
export's columns (re-importable), built by a process of its own (export_worker.py), a bounded number at once."""

import contextlib
import os
import tempfile
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from backstop_common.auth import CurrentPrincipal, Principal
from backstop_common.db import plain_url
from backstop_common.i18n import msg
from backstop_common.problems import Problem, TooManyRequests
from backstop_common.openapi import problem_responses
from backstop_common.xlsx import XLSX_MEDIA_TYPE, XLSX_RESPONSES
from registry.api.filters import HouseholdQuery
from registry.export_worker import DatabaseAway, ExportJob, export_in_process
from registry.repository.exports import access_log_statement, rows_statement

router = APIRouter(tags=["import and export"])
log = structlog.get_logger()


class ExportSlots:
    """At most ``size`` exports at once in this process; one more is a 429 with ``Retry-After``."""

    def __init__(self, size: int, retry_after: int):
        self.size, self.retry_after, self.taken = size, retry_after, 0

    @contextlib.contextmanager
    def take(self):
        if self.taken >= self.size:
            log.info("export.refused", running=self.taken)
            raise TooManyRequests(msg("{n} exports are being built already; please try again shortly", n=self.taken),
                                  retry_after=self.retry_after)
        self.taken += 1
        try:
            yield
        finally:
            self.taken -= 1


def _slots(request: Request) -> ExportSlots:
    state, settings = request.app.state, request.app.state.settings
    if getattr(state, "export_slots", None) is None:
        state.export_slots = ExportSlots(settings.max_concurrent_exports, settings.export_retry_after_seconds)
    return state.export_slots


def _job(request: Request, principal: Principal, query: HouseholdQuery, path: str) -> ExportJob:
    f = query.to_filter(principal)
    unmasked = principal.sees_identifiers
    logged = access_log_statement(f, principal.subject, str(principal.role), request.url.path) if unmasked else None
    return ExportJob(dsn=plain_url(request.app.state.settings.database_url), rows=rows_statement(f),
                     access_log=logged, unmasked=unmasked, path=path)


@router.get("/exports/households.xlsx", response_class=FileResponse,
            responses=XLSX_RESPONSES | problem_responses(429))
async def export_households(request: Request, principal: CurrentPrincipal,
                            query: Annotated[HouseholdQuery, Depends()]):
    """导出农户（国家系统格式） — the filtered households as a workbook.

    The filtered households, one row per person, in the national export's columns (re-importable)."""
    fd, path = tempfile.mkstemp(prefix="households-", suffix=".xlsx")
    os.close(fd)
    try:
        job = _job(request, principal, query, path)
        with _slots(request).take():
            summary = await export_in_process(job)
    except DatabaseAway as exc:
        os.unlink(path)
        log.warning("export.database_unavailable", error=str(exc)[-300:])
        unavailable = Problem("the database is unavailable for now; please try again shortly", status=503)
        unavailable.headers = {"Retry-After": "5"}
        raise unavailable from exc
    except BaseException:
        if os.path.exists(path):
            os.unlink(path)
        raise
    log.info("export.built", **summary)
    return FileResponse(path, media_type=XLSX_MEDIA_TYPE, filename="households.xlsx",
                        background=BackgroundTask(os.unlink, path))
