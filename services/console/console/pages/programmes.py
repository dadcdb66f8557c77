"""大排查 / 挂图作战 and 资金项目: campaigns, problems by unit, the target board; money and projects."""

import uuid
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse

from console.auth import csrf_ok
from console.backend import ApiRefused
from console.labels import LABELS
from console.pages.common import CsrfRefused, Page, parts, signed_in_page, today
from console.refusals import BY_STATUS, VERSION_CONFLICT

router = APIRouter()
log = structlog.get_logger()
#: a project stage -> the action that moves it on (funds' lifecycle: 申报 → … → 资产移交)
NEXT_ACTION = {"declared": "appraise", "appraised": "post-notice", "noticed": "list", "listed": "implement",
               "implementing": "accept", "accepted": "hand-over"}


@router.get("/campaigns")
async def campaigns(page: Annotated[Page, Depends(signed_in_page)],
                    year: Annotated[int | None, Query(ge=2000, le=2100)] = None):
    year = year or today().year
    found, report, board, areas = await parts(
        page.api.get("monitoring", "/campaigns", limit=50),
        page.api.get("monitoring", "/reports/problems"),
        page.api.get("monitoring", f"/boards/{page.user.area_code}", year=year),
        page.api.get("registry", "/areas", limit=500))
    names = {a["code"]: a["name"] for a in (areas.data or {}).get("items", [])}
    return page.render("campaigns.html", nav="campaigns", found=found, report=report, board=board, names=names,
                       year=year)


@router.get("/funds")
async def funds(page: Annotated[Page, Depends(signed_in_page)], error: str | None = None):
    execution, projects, allocations, anomalies, subsidies, disbursements, areas = await parts(
        page.api.get("funds", "/reports/execution"),
        page.api.get("funds", "/projects", limit=100),
        page.api.get("funds", "/allocations", limit=100),
        page.api.get("funds", "/anomalies", limit=50),
        page.api.get("funds", "/subsidies", limit=50),
        page.api.get("funds", "/disbursements", limit=50),
        page.api.get("registry", "/areas", limit=500))
    names = {a["code"]: a["name"] for a in (areas.data or {}).get("items", [])}
    return page.render("funds.html", nav="funds", execution=execution, projects=projects, allocations=allocations,
                       anomalies=anomalies, subsidies=subsidies, names=names, disbursements=disbursements,
                       project_names={p["id"]: p["name"] for p in (projects.data or {}).get("items", [])}, next_action=NEXT_ACTION,
                       error=error if error in ERRORS else None, errors=ERRORS)


ERRORS = {str(k): v for k, v in BY_STATUS.items()} | {"conflict": VERSION_CONFLICT}


@router.post("/funds/projects/{project_id}/{action}")
async def project_action(project_id: uuid.UUID, action: str, request: Request,
                         page: Annotated[Page, Depends(signed_in_page)]):
    if not await csrf_ok(request):
        raise CsrfRefused()
    if action not in LABELS["project_action"]:
        return RedirectResponse("/funds?error=404", status_code=303)
    try:
        await page.api.post("funds", f"/projects/{project_id}/{action}")
    except ApiRefused as exc:
        log.info("console.project_action_refused", action=action, status=exc.status)
        return RedirectResponse(f"/funds?error={exc.status}#projects", status_code=303)
    return RedirectResponse("/funds#projects", status_code=303)
