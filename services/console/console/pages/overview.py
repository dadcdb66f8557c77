"""总览: the county's picture (三上墙 / 大数据平台) — the same figures as a table and as charts."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from backstop_common.auth import area_level, parent_area
from console.labels import label
from console.pages.common import Page, parts, signed_in_page

router = APIRouter()
AREA = Query(pattern=r"^\d{12}$")


def _rows(stats: dict | None, level: str, names: dict[str, str]) -> list[dict]:
    """The township rows of a county, or the village rows of a township, with their names."""
    if not stats:
        return []
    rows = stats["townships"] if level == "county" else stats["villages"]
    return [{**row, "name": names.get(row["area_code"], "未命名地区")} for row in rows]


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
    api = page.api
    stats, areas, execution, problems = await parts(
        api.get("monitoring", "/stats", area_code=code),
        api.get("registry", "/areas", parent_code=code, limit=500),
        api.get("funds", "/reports/execution", area_code=None if code == page.user.area_code else code),
        api.get("monitoring", "/reports/problems"),
    )
    level = area_level(code)
    names = {a["code"]: a["name"] for a in (areas.data or {}).get("items", [])}
    rows = _rows(stats.data, level, names)
    up = parent_area(code) if code != page.user.area_code else None
    return page.render("overview.html", code=code, level=level, stats=stats, rows=rows, execution=execution,
                       problems=problems, areas=areas, charts=_charts(stats.data, rows), up=up,
                       drill=level == "county")
