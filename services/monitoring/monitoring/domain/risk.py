"""How a household's risk types (风险类型) are chosen and merged; the code lists live in ``monitoring.vocab``."""

from monitoring.vocab import MAX_RISK_TYPES, RISK_CODES


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
