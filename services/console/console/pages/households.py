"""户档案: the household list, one household's file, and its 明白卡 (one A4 page to print)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from console.backend import ApiRefused
from console.labels import LABELS
from console.pages.common import Page, parts, signed_in_page

router = APIRouter()
PAGE_SIZE = 50


@router.get("/households")
async def household_list(page: Annotated[Page, Depends(signed_in_page)],
                         q: Annotated[str | None, Query(max_length=50)] = None,
                         area: Annotated[str | None, Query(pattern=r"^(\d{12})?$")] = None,
                         status: str | None = None, offset: Annotated[int, Query(ge=0)] = 0):
    status = status if status in LABELS["poverty_status"] else None
    found, areas = await parts(
        page.api.get("registry", "/households", q=(q or "").strip() or None, area_code=area or None,
                     status=status, limit=PAGE_SIZE, offset=offset),
        page.api.get("registry", "/areas", limit=500))
    names = {a["code"]: a["name"] for a in (areas.data or {}).get("items", [])}
    choices = [(code, name) for code, name in sorted(names.items()) if code != page.user.area_code]
    return page.render("households.html", nav="households", found=found, names=names, choices=choices,
                       f={"q": q or "", "area": area, "status": status}, offset=offset, page_size=PAGE_SIZE)


async def _trail(page: Page, household_id: uuid.UUID) -> dict | None:
    """What funds paid this household; funds not knowing it yet means nothing paid."""
    try:
        return await page.api.get("funds", f"/reports/households/{household_id}")
    except ApiRefused as exc:
        if exc.status in (403, 404):
            return None
        raise


async def _file(page: Page, household_id: uuid.UUID, with_history: bool):
    """The file from registry first: outside the user's area it answers 404 and so does the page."""
    household = await page.api.get("registry", f"/households/{household_id}")
    calls = [page.api.get("monitoring", "/cases", household_id=str(household_id), limit=20), _trail(page, household_id),
             page.api.get("registry", "/areas", limit=500)]
    if with_history:
        calls.append(page.api.get("registry", f"/households/{household_id}/history", limit=50))
    found = await parts(*calls)
    names = {a["code"]: a["name"] for a in (found[2].data or {}).get("items", [])}
    cases = found[0]
    latest = (cases.data or {}).get("items", [])[:1]
    if latest:  # the newest case's plan (measures) and visits: one more call, whatever the household's size
        [detail] = await parts(page.api.get("monitoring", f"/cases/{latest[0]['id']}"))
        cases.data["latest"] = detail.data
    return household, cases, found[1], names, (found[3] if with_history else None)


def _income_chart(household: dict) -> dict:
    rows = sorted(household.get("income_assessments", []), key=lambda a: a["year"])
    return {"names": [f"{a['year']}年" for a in rows], "values": [float(a["per_capita_income"]) for a in rows],
            "label": "人均纯收入（元）"}


@router.get("/households/{household_id}")
async def household_file(household_id: uuid.UUID, page: Annotated[Page, Depends(signed_in_page)]):
    household, cases, trail, names, history = await _file(page, household_id, with_history=True)
    return page.render("household.html", nav="households", h=household, cases=cases, trail=trail, names=names,
                       history=history, income_chart=_income_chart(household))


@router.get("/households/{household_id}/card")
async def clarity_card(household_id: uuid.UUID, page: Annotated[Page, Depends(signed_in_page)]):
    """明白卡: the five items of seed 001 (致贫原因、属性、帮扶措施、帮扶责任人、帮扶资金), income, helper."""
    household, cases, trail, names, _ = await _file(page, household_id, with_history=False)
    return page.render("card.html", h=household, cases=cases, trail=trail, names=names)
