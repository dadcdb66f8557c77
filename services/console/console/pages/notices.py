"""公示: printable A4 village notices — 识别公示, 消除公示, 补助发放公示, 项目公告.

Names are masked (张*三); no ID number, phone, bank account or illness is ever printed, so a notice
lists the household, its village and the notice period, never why it is at risk.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from console.pages.common import Page, parts, signed_in_page

router = APIRouter()
KINDS = {"identification": "监测对象识别公示", "elimination": "风险消除公示", "subsidies": "补助资金发放公示",
         "projects": "项目公告"}
CASE_STAGE = {"identification": "notice_posted", "elimination": "elimination_proposed"}
ROWS = 200  # one printed notice; registry names them in one call (?id=, up to 200)


async def _rows(page: Page, kind: str, area: str | None) -> tuple:
    if kind in CASE_STAGE:
        [found] = await parts(page.api.get("monitoring", "/cases", stage=CASE_STAGE[kind], area_code=area,
                                           limit=ROWS))
    elif kind == "subsidies":
        [found] = await parts(page.api.get("funds", "/notices/subsidies", area_code=area))
    else:
        [found] = await parts(page.api.get("funds", "/notices/projects", area_code=area))
    items = (found.data or {}).get("items", [])[:ROWS]
    return found, items


@router.get("/notices")
async def notices(page: Annotated[Page, Depends(signed_in_page)], kind: str = "identification",
                  area: Annotated[str | None, Query(pattern=r"^(\d{12})?$")] = None):
    kind = kind if kind in KINDS else "identification"
    found, items = await _rows(page, kind, area or None)
    ids = sorted({i["household_id"] for i in items if i.get("household_id")})
    heads, areas = await parts(
        page.api.get("registry", "/households", id=ids, limit=len(ids)) if ids else _nothing(),
        page.api.get("registry", "/areas", limit=500))
    names = {a["code"]: a["name"] for a in (areas.data or {}).get("items", [])}
    head_of = {h["id"]: h for h in (heads.data or {}).get("items", [])}
    choices = [(c, n) for c, n in sorted(names.items()) if c != page.user.area_code]
    return page.render("notices.html", nav="notices", kind=kind, kinds=KINDS, found=found, items=items,
                       head_of=head_of, names=names, area=area, choices=choices)


async def _nothing() -> dict:
    return {"items": []}
