"""总览: the county's picture (三上墙 / 大数据平台) — the same figures as a table and as charts."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from backstop_common.auth import area_level, parent_area
from console.labels import label
from console.pages.common import Page, parts, signed_in_page

router = APIRouter()
AREA = Query(pattern=r"^\d{12}$")


#: the rows an area's overview lists: the level below it (a province's or a city's are its counties: monitoring
#: answers those per county, not its thousands of villages — issue 18)
BELOW = {"county": "townships", "township": "villages", "village": "villages"}


def _rows(stats: dict | None, level: str, names: dict[str, str]) -> list[dict]:
    """The township rows of a county, the village rows of a township, the county rows above, with their names."""
    if not stats:
        return []
    rows = stats[BELOW.get(level, "counties")]
    return [{**row, "name": names.get(row["area_code"], "未命名地区")} for row in rows]


def _names_asked(code: str, level: str) -> dict:
    """What registry /areas is asked for the rows' names. Its ``parent_code`` answers one level down, which
    for a city is its counties but for a province its cities (which the registry does not even hold): a
    province asks for the counties of the caller's area — the province itself, as no one's area is wider."""
    if level == "province":
        return {"level": "county"}
    return {"parent_code": code}


#: the levels whose areas the registry holds (its counties, townships and villages); above them the heading says
#: the level (overview.html)
HELD = ("county", "township", "village")


async def _area_name(api, code: str, level: str) -> str | None:
    """The area's own name for the heading (a drilled-down page must say where it is), from its parent's areas in
    the registry."""
    if level not in HELD:
        return None
    siblings = await api.get("registry", "/areas", parent_code=parent_area(code), limit=500)
    return next((a["name"] for a in siblings.get("items", []) if a["code"] == code), None)


def _charts(stats: dict | None, rows: list[dict]) -> dict:
    if not stats:
        return {}
    totals = stats["totals"]
    return {
        "stages": [{"name": label("stage", k), "value": v} for k, v in sorted(totals["stages"].items())],
        "risks": [{"name": label("risk_type", k), "value": v}
                  for k, v in sorted(totals["open_cases_by_risk_type"].items(), key=lambda kv: -kv[1])],
        "areas": {"names": [r["name"] for r in rows], "monitored": [r["monitored"] for r in rows],
                  "cases": [r["cases"] for r in rows], "overdue": [r["overdue"] for r in rows]},
    }


@router.get("/")
async def overview(page: Annotated[Page, Depends(signed_in_page)],
                   area: Annotated[str | None, AREA] = None):
    code = area or page.user.area_code
    level, api = area_level(code), page.api
    stats, areas, execution, problems, name = await parts(
        api.get("monitoring", "/stats", area_code=code),
        api.get("registry", "/areas", **_names_asked(code, level), limit=500),
        api.get("funds", "/reports/execution", area_code=None if code == page.user.area_code else code),
        api.get("monitoring", "/reports/problems"),
        _area_name(api, code, level),
    )
    names = {a["code"]: a["name"] for a in (areas.data or {}).get("items", [])}
    rows = _rows(stats.data, level, names)
    up = parent_area(code) if code != page.user.area_code else None
    return page.render("overview.html", code=code, level=level, name=name.data, stats=stats, rows=rows, execution=execution,
                       problems=problems, areas=areas, charts=_charts(stats.data, rows), up=up,
                       drill=level not in ("township", "village"))
