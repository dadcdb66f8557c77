"""大排查 / 挂图作战 and 资金项目: campaigns, problems by unit, the target board; money and projects."""

import uuid
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse

from console.auth import csrf_ok
from console.backend import ApiRefused
from console.labels import LABELS
from console.pages import problems
from console.pages.common import CsrfRefused, Page, parts, signed_in_page, today
from console.refusals import explain

router = APIRouter()
log = structlog.get_logger()
#: a project stage -> the action that moves it on (funds' lifecycle: 申报 → … → 资产移交)
NEXT_ACTION = {"declared": "appraise", "appraised": "post-notice", "noticed": "list", "listed": "implement",
               "implementing": "accept", "accepted": "hand-over"}


@router.get("/campaigns")
async def campaigns(page: Annotated[Page, Depends(signed_in_page)],
                    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                    unit: str | None = None, status: str | None = None, offset: Annotated[int, Query(ge=0)] = 0):
    year = year or today().year
    unit, status = problems.filters(unit, status)
    found, report, board, areas, listed = await parts(
        page.api.get("monitoring", "/campaigns", limit=50),
        page.api.get("monitoring", "/reports/problems"),
        page.api.get("monitoring", f"/boards/{page.user.area_code}", year=year),
        page.api.get("registry", "/areas", limit=500),
        page.api.get("monitoring", "/problems", unit=unit, status=status, limit=problems.PAGE_SIZE, offset=offset))
    names = {a["code"]: a["name"] for a in (areas.data or {}).get("items", [])}
    return page.render("campaigns.html", nav="campaigns", found=found, report=report, board=board, names=names,
                       year=year, listed=listed, f={"unit": unit, "status": status}, offset=offset,
                       page_size=problems.PAGE_SIZE)


@router.get("/funds")
async def funds(page: Annotated[Page, Depends(signed_in_page)]):
    return await _funds_page(page)


async def _funds_page(page: Page, status: int = 200, refused: dict | None = None):
    execution, projects, allocations, anomalies, subsidies, disbursements, areas = await parts(
        page.api.get("funds", "/reports/execution"),
        page.api.get("funds", "/projects", limit=100),
        page.api.get("funds", "/allocations", limit=100),
        page.api.get("funds", "/anomalies", limit=50),
        page.api.get("funds", "/subsidies", limit=50),
        page.api.get("funds", "/disbursements", limit=50),
        page.api.get("registry", "/areas", limit=500))
    names = {a["code"]: a["name"] for a in (areas.data or {}).get("items", [])}
    return page.render("funds.html", status, nav="funds", execution=execution, projects=projects,
                       allocations=allocations, anomalies=anomalies, subsidies=subsidies, names=names,
                       disbursements=disbursements, next_action=NEXT_ACTION, refused=refused or {},
                       project_names={p["id"]: p["name"] for p in (projects.data or {}).get("items", [])})


@router.post("/funds/projects/{project_id}/{action}")
async def project_action(project_id: uuid.UUID, action: str, request: Request,
                         page: Annotated[Page, Depends(signed_in_page)]):
    if not await csrf_ok(request):
        raise CsrfRefused()
    if action not in LABELS["project_action"]:
        return await _funds_page(page, 404, {"project": str(project_id), "text": "没有这个操作。"})
    try:
        await page.api.post("funds", f"/projects/{project_id}/{action}")
    except ApiRefused as exc:
        log.info("console.project_action_refused", action=action, status=exc.status)
        return await _funds_page(page, exc.status, {"project": str(project_id), "text": explain(exc)})
    return RedirectResponse("/funds#projects", status_code=303)
