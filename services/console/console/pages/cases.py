"""监测帮扶: the case queue, one case with its facts, timeline and deadlines, and the action forms."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from console.labels import LABELS
from console.pages.common import Page, parts, signed_in_page
from console.pages.forms import submit

router = APIRouter()
PAGE_SIZE = 50
#: what each action's form asks for (monitoring's docs/monitoring.md says which fields it needs)
FORM_FIELDS = {"verify": ["note"], "post-notice": ["note"], "review": ["note"], "confirm": ["note"],
               "reject": ["reason"], "reopen": ["reason"], "plan": ["measure"], "visit": ["visited_on", "findings"],
               "propose-elimination": ["method", "note"], "eliminate": ["note"], "object": ["reason"]}
REQUIRED = {"reject": {"reason": "请填写不予纳入的理由"}, "reopen": {"reason": "请填写重新纳入的理由"},
            "object": {"reason": "请填写异议内容"},
            "visit": {"visited_on": "请填写走访日期", "findings": "请填写走访情况"},
            "plan": {"responsible_unit": "请填写责任单位"}}


@router.get("/cases")
async def queue(page: Annotated[Page, Depends(signed_in_page)],
                stage: str | None = None, category: str | None = None,
                area: Annotated[str | None, Query(pattern=r"^(\d{12})?$")] = None,
                overdue: bool = False, offset: Annotated[int, Query(ge=0)] = 0):
    stage = stage if stage in LABELS["stage"] else None
    category = category if category in LABELS["category"] else None
    cases, areas = await parts(
        page.api.get("monitoring", "/cases", stage=stage, category=category, area_code=area or None,
                     overdue="true" if overdue else None, limit=PAGE_SIZE, offset=offset),
        page.api.get("registry", "/areas", limit=500))
    rows = (cases.data or {}).get("items", [])
    heads = await _heads(page, [r["household_id"] for r in rows])
    names = {a["code"]: a["name"] for a in (areas.data or {}).get("items", [])}
    choices = [(code, name) for code, name in sorted(names.items()) if code != page.user.area_code]
    return page.render("cases.html", nav="cases", cases=cases, rows=rows, heads=heads, names=names,
                       choices=choices, f={"stage": stage, "category": category, "area": area, "overdue": overdue},
                       offset=offset, page_size=PAGE_SIZE)


async def _heads(page: Page, household_ids: list[str]) -> dict[str, dict]:
    """The page's households in one call (registry's ``?id=``), masked as registry masks them for this user."""
    if not household_ids:
        return {}
    [found] = await parts(page.api.get("registry", "/households", id=household_ids, limit=len(household_ids)))
    return {h["id"]: h for h in (found.data or {}).get("items", [])}


async def _case_page(page: Page, case_id: uuid.UUID, status: int = 200, **context):
    case = await page.api.get("monitoring", f"/cases/{case_id}")
    household, areas = await parts(page.api.get("registry", f"/households/{case['household_id']}"),
                                   page.api.get("registry", "/areas", limit=500))
    names = {a["code"]: a["name"] for a in (areas.data or {}).get("items", [])}
    return page.render("case.html", status, nav="cases", case=case, household=household, names=names,
                       form_fields=FORM_FIELDS, measure_types=LABELS["measure"], **context)


@router.get("/cases/{case_id}")
async def case_page(case_id: uuid.UUID, page: Annotated[Page, Depends(signed_in_page)], done: str | None = None):
    return await _case_page(page, case_id, done=done if done in FORM_FIELDS else None)


def _body(action: str, form) -> tuple[dict, dict[str, str]]:
    """The API body of an action from its form, and the fields' errors in Chinese."""
    value = {k: str(v).strip() for k, v in form.items()}
    errors = {field: message for field, message in REQUIRED.get(action, {}).items() if not value.get(field)}
    body: dict = {}
    for field in ("note", "reason", "findings"):
        if value.get(field):
            body[field] = value[field]
    if action == "visit" and value.get("visited_on"):
        try:
            body["visited_on"] = date.fromisoformat(value["visited_on"]).isoformat()
        except ValueError:
            errors["visited_on"] = "日期格式应为 年-月-日"
    if action == "plan":
        body["measures"] = [{"measure_type": value.get("measure_type", "other"),
                             "responsible_unit": value.get("responsible_unit", ""),
                             "due_on": value.get("due_on") or None}]
    if action == "propose-elimination" and value.get("method") in ("assistance", "natural"):
        body["method"] = value["method"]
    return body, errors


@router.post("/cases/{case_id}/act/{action}")
async def act(case_id: uuid.UUID, action: str, request: Request, page: Annotated[Page, Depends(signed_in_page)]):
    async def call(body: dict, version: int | None):
        return await page.api.post("monitoring", f"/cases/{case_id}/{action}", body, version=version)

    async def again(status: int, **context):
        return await _case_page(page, case_id, status, **context)

    return await submit(request, action, FORM_FIELDS, _body, call=call, again=again,
                        done=f"/cases/{case_id}?done={action}")
