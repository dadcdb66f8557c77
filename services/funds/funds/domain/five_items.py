"""五项落实 (seed 001: "年度扶贫做到贫困户致贫原因、属性、帮扶措施、帮扶责任人、帮扶资金五项落实，张榜公示"):
for each household of a village, whether each of the five is in place, from funds' read model.

- 致贫原因 (cause): the registry's main cause of poverty.
- 属性 (attribute): the poverty status (贫困户/脱贫户) and, if monitored, the monitoring category.
- 帮扶措施 (measures): measures the registry recorded or a monitoring plan named.
- 帮扶责任人 (helpers): a paired helper assigned.
- 帮扶资金 (funds): money that reached the household that year — a subsidy, a project it benefits from
  or a dividend.
"""

from backstop_common.auth import Principal
from funds.models import HouseholdFact
from funds.repository import five_items as repo

ITEMS = ("cause", "attribute", "measures", "helpers", "funds")
LABELS = {"cause": "致贫原因", "attribute": "属性", "measures": "帮扶措施", "helpers": "帮扶责任人", "funds": "帮扶资金"}
STATUS_LABELS = {"poor": "贫困户", "lifted": "脱贫户", "never_poor": "一般农户"}
XLSX_HEADERS = ["户ID", *(LABELS[i] for i in ITEMS), "五项落实"]


def household_items(h: HouseholdFact, subsidies, projects: int) -> dict:
    """One household's five items, each with whether it is in place and what it is."""
    attribute = STATUS_LABELS.get(h.poverty_status or "", h.poverty_status)
    if h.monitored:
        attribute = f"{attribute or ''} 监测对象{'（' + h.category + '）' if h.category else ''}".strip()
    helpers = max(len(h.helper_ids or []), len(h.helper_user_ids or []))
    items = {
        "cause": {"in_place": bool(h.main_cause), "value": h.main_cause},
        "attribute": {"in_place": bool(h.poverty_status), "value": attribute},
        "measures": {"in_place": bool(h.measure_types), "value": list(h.measure_types or [])},
        "helpers": {"in_place": helpers > 0, "value": helpers},
        "funds": {"in_place": bool(subsidies) or projects > 0,
                  "value": {"subsidies": subsidies or "0.00", "projects": projects}},
    }
    return {"household_id": str(h.id), "items": items, "complete": all(i["in_place"] for i in items.values())}


async def village_report(session, principal: Principal, village_code: str, year: int) -> dict:
    principal.ensure_covers(village_code, "village")
    households = await repo.village_households(session, village_code)
    subsidies = await repo.subsidies_by_household(session, village_code, year)
    projects = await repo.projects_by_household(session, [h.id for h in households], year)
    rows = [household_items(h, subsidies.get(h.id), projects.get(h.id, 0)) for h in households]
    missing = {item: sum(not r["items"][item]["in_place"] for r in rows) for item in ITEMS}
    return {"village_code": village_code, "year": year, "households": len(rows),
            "complete": sum(r["complete"] for r in rows), "missing": missing, "items": rows}


def xlsx_rows(report: dict):
    yes = {True: "是", False: "否"}
    for r in report["items"]:
        yield [r["household_id"], *(yes[r["items"][i]["in_place"]] for i in ITEMS), yes[r["complete"]]]
