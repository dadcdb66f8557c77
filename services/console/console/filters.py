"""Jinja filters: every value on a page goes through one of these, so no code reaches the user raw."""

import json
from urllib.parse import urlencode

from jinja2 import pass_context

from markupsafe import Markup

from console import formatting
from console.labels import FIELD_KINDS, LABELS, label


def _json(value) -> Markup:
    """Data for a chart, safe inside a <script type="application/json"> block."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def changed_value(value, field: str | None) -> str:
    """One side of a change in the household's history, as the file shows that field."""
    if value is None or value == "" or isinstance(value, dict):
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(changed_value(v, field) for v in value) or "—"
    if field in FIELD_KINDS:
        return label(FIELD_KINDS[field], str(value))
    if field in ("per_capita_income", "medical_out_of_pocket"):
        return formatting.money(value)
    if field and field.endswith("_on"):
        return formatting.date_cn(value)
    return str(value)


@pass_context
def query_with(context, **changes) -> str:
    """This page's query string with some parameters changed (paging links keep the filters)."""
    params = dict(context["request"].query_params)
    params.update({k: str(v) for k, v in changes.items()})
    return urlencode(params)


def install(env) -> None:
    env.filters.update(
        date=formatting.date_cn, datetime=formatting.datetime_cn, money=formatting.money,
        percent=formatting.percent, masked=formatting.mask_name, chart_json=_json, changed=changed_value,
        label=lambda code, kind: label(kind, code),
        labels=lambda codes, kind: "、".join(label(kind, c) for c in (codes or [])) or "—",
        number=lambda n: f"{int(n):,}" if n not in (None, "") else "—",
    )
    env.globals.update(label=label, days_left=formatting.days_left,
                       label_choices=lambda kind: list(LABELS[kind].items()), query_with=query_with)
