"""大排查's problem list (问题清单) and one problem's rectification (整改 → 验收, or 备案) as forms.

Which actions a user may take comes from monitoring (``ProblemDetail.actions``): the console never
repeats the rectification rules, it only says what each action's form asks for.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from console.labels import LABELS
from console.pages.common import Page, parts, signed_in_page
from console.pages.forms import submit

router = APIRouter()
PAGE_SIZE = 50
#: what each action's form asks for (docs/campaigns.md: rectify needs what was done, defer and reject a reason)
FORM_FIELDS = {"start": ["note"], "rectify": ["measures_taken", "evidence", "note"], "defer": ["note"],
               "resume": ["note"], "verify": ["note"], "reject": ["note"]}
REQUIRED = {"rectify": {"measures_taken": "请填写采取的整改措施"}, "defer": {"note": "请填写暂缓整改的理由（备案）"},
            "reject": {"note": "请填写验收不通过的理由"}}


@router.get("/problems/{problem_id}")
async def problem_page(problem_id: uuid.UUID, page: Annotated[Page, Depends(signed_in_page)],
                       done: Annotated[str | None, Query(max_length=20)] = None):
    return await _problem_page(page, problem_id, done=done if done in FORM_FIELDS else None)


async def _problem_page(page: Page, problem_id: uuid.UUID, status: int = 200, **context):
    problem = await page.api.get("monitoring", f"/problems/{problem_id}")
    [areas] = await parts(page.api.get("registry", "/areas", limit=500))
    names = {a["code"]: a["name"] for a in (areas.data or {}).get("items", [])}
    return page.render("problem.html", status, nav="campaigns", problem=problem, names=names,
                       form_fields=FORM_FIELDS, **context)


def _body(action: str, form) -> tuple[dict, dict[str, str]]:
    """The API body of an action from its form, and the fields' errors in Chinese."""
    value = {k: str(v).strip() for k, v in form.items()}
    errors = {field: message for field, message in REQUIRED.get(action, {}).items() if not value.get(field)}
    body: dict = {k: value[k] for k in ("note", "measures_taken") if value.get(k)}
    if action == "rectify" and value.get("evidence"):
        body["evidence"] = [line.strip() for line in value["evidence"].splitlines() if line.strip()]
        if len(body["evidence"]) > 50:
            errors["evidence"] = "佐证材料最多 50 项"
    return body, errors


@router.post("/problems/{problem_id}/act/{action}")
async def act(problem_id: uuid.UUID, action: str, request: Request, page: Annotated[Page, Depends(signed_in_page)]):
    async def call(body: dict, version: int | None):
        return await page.api.post("monitoring", f"/problems/{problem_id}/{action}", body, version=version)

    async def again(status: int, **context):
        return await _problem_page(page, problem_id, status, **context)

    return await submit(request, action, FORM_FIELDS, _body, call=call, again=again,
                        done=f"/problems/{problem_id}?done={action}")


def filters(unit: str | None, status: str | None) -> tuple[str | None, str | None]:
    """Only known codes reach monitoring."""
    return (unit if unit in LABELS["unit"] else None, status if status in LABELS["problem_status"] else None)
