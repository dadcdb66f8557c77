"""Dashboard figures: per village, rolled up per township and for the whole area asked."""

from collections import defaultdict
from typing import Any

from backstop_common.auth import parent_area
from monitoring.domain.workflow import MONITORED, Stage


def _blank() -> dict[str, Any]:
    return {"households": 0, "signals": 0, "cases": 0, "stages": defaultdict(int), "monitored": 0,
            "eliminated": 0, "overdue": 0, "signals_by_risk_type": defaultdict(int),
            "open_cases_by_risk_type": defaultdict(int)}


def roll_up(area_code: str, rows: dict[str, list]) -> dict:
    villages: dict[str, dict] = defaultdict(_blank)
    for village, n in rows["households"]:
        villages[village]["households"] += n
    for village, stage, n, overdue in rows["cases"]:
        v = villages[village]
        v["cases"] += n
        v["stages"][stage] += n
        v["overdue"] += overdue
        v["monitored"] += n if Stage(stage) in MONITORED else 0
        v["eliminated"] += n if stage == Stage.ELIMINATED else 0
    for village, risk, n in rows["signal_risks"]:
        villages[village]["signals"] += n
        villages[village]["signals_by_risk_type"][risk] += n
    for village, risk, n in rows["case_risks"]:
        villages[village]["open_cases_by_risk_type"][risk] += n
    townships: dict[str, dict] = defaultdict(_blank)
    total = _blank()
    for village, figures in villages.items():
        for target in (townships[parent_area(village) or village], total):
            for key, value in figures.items():
                if isinstance(value, dict):
                    for k, n in value.items():
                        target[key][k] += n
                else:
                    target[key] += value
    return {"area_code": area_code, "totals": total,
            "townships": [{"area_code": code, **fig} for code, fig in sorted(townships.items())],
            "villages": [{"area_code": code, **fig} for code, fig in sorted(villages.items())]}
