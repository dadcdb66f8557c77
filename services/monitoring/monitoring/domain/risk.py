"""Risk types (national code table, DESIGN.md §3) and the "三保障 + 饮水" flags."""

from enum import StrEnum

RISK_CODES = frozenset({"01", "0201", "0202", "0203", "0204", "0205", "0206", "0299", "03", "04", "05",
                        "06", "07", "09", "99"})
#: 两不愁 (food, clothing) + 三保障 (education, insurance, housing) + 饮水 (water)
FLAGS = frozenset({"food", "clothing", "housing", "water", "education", "insurance"})
RISK_TYPES = RISK_CODES | FLAGS
MAX_RISK_TYPES = 5  # up to five risk types per household


class Source(StrEnum):
    EVENT = "event"
    APPLICATION = "application"  # 农户申报
    VISIT = "visit"  # 干部排查
    DEPARTMENT = "department"  # 部门预警
    RESCREEN = "rescreen"
    IMPORT = "import"  # the national system's monitored household, imported by the registry


class Category(StrEnum):
    UNSTABLE_LIFTED = "unstable_lifted"  # 脱贫不稳定户
    MARGINAL = "marginal"  # 边缘易致贫户
    SUDDEN_HARDSHIP = "sudden_hardship"  # 突发严重困难户


def income_risk_type(main_cause: str | None) -> str:
    """An income signal carries the household's main cause when it is a code, else 99 (other)."""
    return main_cause if main_cause in RISK_CODES else "99"


def merge_risk_types(current: list[str], new: str) -> list[str]:
    """Codes first, flags after, at most five codes (flags are not counted)."""
    if new in current:
        return current
    codes = [t for t in current if t in RISK_CODES]
    if new in RISK_CODES and len(codes) >= MAX_RISK_TYPES:
        return current
    return [*current, new]
