"""The words a routing rule is written in, below every layer: the operators a condition may use, the
levels a target may name, and what a placeholder in a message template may be (a plain field name)."""

import string

#: a condition's ``op`` on an event's data field (domain/conditions.py says what each means)
OPS = ("eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte", "exists", "truthy", "falsy")
#: a target's ``level``: the event's own area, the one above it, its township or county, or anywhere inside it
LEVELS = ("event", "parent", "township", "county", "within")

FORMATTER = string.Formatter()


def template_fields(template: str) -> list[str]:
    """The placeholders of a template; raises ValueError on anything but plain ``{name}``/``{a.b}``."""
    names = []
    for _, field, spec, conversion in FORMATTER.parse(template):
        if field is None:
            continue
        if spec or conversion or not all(p.isidentifier() and not p.startswith("_") for p in field.split(".")):
            raise ValueError(f"placeholder {{{field}}} must be a plain field name")
        names.append(field)
    return names
