"""Dashboard figures: per village, rolled up per township and for the whole area asked."""

from collections import defaultdict
from typing import Any

from backstop_common.auth import parent_area
from monitoring.vocab import MONITORED, Stage

METRICS = {"stage": "stages", "signals": "signals_by_risk_type", "open_risk": "open_cases_by_risk_type"}


def _blank() -> dict[str, Any]:
    return {"households": 0, "signals": 0, "cases": 0, "stages": defaultdict(int), "monitored": 0,
            "eliminated": 0, "overdue": 0, "instant_help": 0, "signals_by_risk_type": defaultdict(int),
            "open_cases_by_risk_type": defaultdict(int)}


def _add(target: dict, metric: str, key: str, n: int) -> None:
    if metric == "households":
        target["households"] += n
        return
    target[METRICS[metric]][key] += n
    if metric == "signals":
        target["signals"] += n
    elif metric == "stage":
        target["cases"] += n
        target["monitored"] += n if Stage(key) in MONITORED else 0
        target["eliminated"] += n if key == Stage.ELIMINATED else 0


def roll_up(area_code: str, rows: dict[str, list]) -> dict:
    villages: dict[str, dict] = defaultdict(_blank)
    townships: dict[str, dict] = defaultdict(_blank)
    total = _blank()
    for village, metric, key, n in rows["counters"]:
        for target in (villages[village], townships[parent_area(village) or village], total):
            _add(target, metric, key, n)
    for live in ("overdue", "instant_help"):
        for village, n in rows[live]:
            for target in (villages[village], townships[parent_area(village) or village], total):
                target[live] += n
    return {"area_code": area_code, "totals": total,
            "townships": [{"area_code": code, **fig} for code, fig in sorted(townships.items())],
            "villages": [{"area_code": code, **fig} for code, fig in sorted(villages.items())]}
