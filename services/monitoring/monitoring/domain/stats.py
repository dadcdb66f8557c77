"""Dashboard figures: per village, rolled up per township and for the whole area asked."""

from collections import defaultdict
from typing import Any

from backstop_common.auth import parent_area
from monitoring.vocab import MONITORED, Stage

METRICS = {"stage": "stages", "signals": "signals_by_risk_type", "open_risk": "open_cases_by_risk_type"}
_MONITORED = frozenset(str(stage) for stage in MONITORED)  # a counter's key is the stage's text


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
        target["monitored"] += n if key in _MONITORED else 0
        target["eliminated"] += n if key == Stage.ELIMINATED else 0


def _merge(target: dict, figures: dict) -> None:
    for name, value in figures.items():
        if isinstance(value, dict):
            counts = target[name]
            for key, n in value.items():
                counts[key] += n
        else:
            target[name] += value


def roll_up(area_code: str, rows: dict[str, list]) -> dict:
    """Each village's figures from its rows, then each township's and the area's from its villages' (a province
    asks for 2,000 villages' 22,000 counters: rolled up row by row into three places, they took ~0.3 s)."""
    villages: dict[str, dict] = defaultdict(_blank)
    for village, metric, key, n in rows["counters"]:
        _add(villages[village], metric, key, n)
    for live in ("overdue", "instant_help"):
        for village, n in rows[live]:
            villages[village][live] += n
    townships: dict[str, dict] = defaultdict(_blank)
    total = _blank()
    for village, figures in villages.items():
        _merge(townships[parent_area(village) or village], figures)
        _merge(total, figures)
    return {"area_code": area_code, "totals": total,
            "townships": [{"area_code": code, **fig} for code, fig in sorted(townships.items())],
            "villages": [{"area_code": code, **fig} for code, fig in sorted(villages.items())]}
