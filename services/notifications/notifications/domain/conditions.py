"""Conditions of a routing rule on the event's data fields, and the zh/en templates filled from it."""

import functools
from decimal import Decimal, InvalidOperation
from typing import Any

from backstop_common.privacy import mask_text
from notifications.vocab import FORMATTER


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def lookup(data: dict, field: str) -> Any:
    """``a.b`` walks nested objects, and through lists (``measures.responsible_unit`` → a list); missing is None."""
    value: Any = data
    for part in field.split("."):
        if isinstance(value, list):
            value = [v.get(part) for v in value if isinstance(v, dict) and v.get(part) is not None]
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


def holds(condition: dict, data: dict) -> bool:
    op, expected = condition["op"], condition.get("value")
    actual = lookup(data, condition["field"])
    if op == "exists":
        return actual is not None
    if op == "truthy":
        return bool(actual)
    if op == "falsy":
        return not actual
    if op == "eq":
        return actual == expected
    if op == "ne":
        return actual != expected
    if op in ("in", "not_in"):
        inside = actual in (expected or []) or (isinstance(actual, list) and any(a in (expected or []) for a in actual))
        return inside if op == "in" else not inside
    left, right = _number(actual), _number(expected)
    if left is None or right is None:
        return False
    return {"lt": left < right, "lte": left <= right, "gt": left > right, "gte": left >= right}[op]


def all_hold(conditions: list[dict], data: dict) -> bool:
    return all(holds(c, data) for c in conditions)


@functools.lru_cache(maxsize=1024)
def named(template: str) -> frozenset[str]:
    """The event fields a template names (the first part of each ``{a.b}``): all ``render`` reads of the values."""
    return frozenset(field.split(".")[0] for _, field, _, _ in FORMATTER.parse(template) if field is not None)


def render(template: str, values: dict) -> str:
    """Fill ``{field}`` from the event; a missing field shows as ``-``, lists joined with commas."""
    out = []
    for literal, field, _, _ in FORMATTER.parse(template):
        out.append(literal)
        if field is not None:
            value = lookup(values, field)
            if isinstance(value, list):
                value = ",".join(str(v) for v in value)
            out.append("-" if value is None or value == "" else mask_text(str(value)))  # free text may hold a phone
    return "".join(out)
