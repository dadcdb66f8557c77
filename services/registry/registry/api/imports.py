"""``POST /api/v1/imports/households``: a national export file (api/exports.py writes one back)."""

import asyncio
from typing import Annotated

import structlog
from fastapi import APIRouter, FastAPI, Query, Request

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.jobs import unit_of_work
from backstop_common.problems import Unprocessable
from registry.domain import imports
from registry.schemas.imports import ImportReport

log = structlog.get_logger()
router = APIRouter(tags=["import and export"])
MAX_BYTES = 200 * 1024 * 1024


async def _upload(request: Request, filename: str | None) -> tuple[bytes, str]:
    """A multipart form with ``file``, or the file itself as the body with ``?filename=``."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_part_size=MAX_BYTES)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Unprocessable("send the export as the form field 'file'")
        return await upload.read(), upload.filename or filename or "upload"
    data = await request.body()
    if not data:
        raise Unprocessable("the request has no file")
    return data, filename or "upload.csv"


@router.post("/imports/households", response_model=ImportReport)
async def import_households(request: Request, uow: UoW, principal: CurrentPrincipal,
                            filename: Annotated[str | None, Query(max_length=200)] = None,
                            income_year: Annotated[int | None, Query(ge=2014, le=2100)] = None):
    """导入农户（国家系统导出文件） — loads a national export file.

    Every bad row comes back by line with its reason; the good households are loaded in one pass."""
    data, name = await _upload(request, filename)
    if len(data) > MAX_BYTES:
        raise Unprocessable("the file is larger than 200 MB")
    report = await imports.import_households(uow, principal, data, name, income_year)
    await uow.commit()
    _refresh_statistics(request.app, report)
    return report


#: statistics refreshes under way after their imports' answers (the event loop holds a task only weakly)
_refreshing: set[asyncio.Task] = set()


def _refresh_statistics(app: FastAPI, report: ImportReport) -> None:
    """``imports.refresh_statistics`` in a task of its own: the answer does not wait for it. None for a small
    import: no task, no connection."""
    if not imports.refreshes_statistics(report):
        return
    task = asyncio.create_task(_refresh(app, report), name=f"import-statistics-{report.import_id}")
    _refreshing.add(task)
    task.add_done_callback(_refreshing.discard)


async def _refresh(app: FastAPI, report: ImportReport) -> None:
    try:
        async with unit_of_work(app) as uow:
            await imports.refresh_statistics(uow, report)
    except Exception:  # nobody awaits this task: said in the log (autovacuum refreshes them later)
        log.exception("import.statistics_not_refreshed", import_id=str(report.import_id))
