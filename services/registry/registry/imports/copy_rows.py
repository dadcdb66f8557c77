"""A plan's piece as PostgreSQL's COPY text format, made in the import's worker process.

The service used to unpickle every piece's 20,000 row tuples and encode them again for COPY (~5 s of its CPU
for 300,000 rows, and the pymalloc arenas it kept afterwards); now the worker writes the rows as COPY text and
the service forwards the bytes (issue 18). Text, not CSV: COPY's text format tells NULL (``\\N``) from an empty
text, which CSV as Python writes it cannot.
"""

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import orjson

from backstop_common.i18n import Text
from registry.imports.plan import Plan, RowError
from registry.imports.rows import INCOME
from registry.repository.bulk_columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS

#: where a member's facts stand in the plan's member tuples (``MEMBER_COLUMNS``)
_AT = {c: i for i, c in enumerate(MEMBER_COLUMNS)}


@dataclass
class Piece:
    """One piece of the file, ready to load: the staging tables' rows as COPY text, each good row's
    (户编号, line) for the report, and the piece's bad rows."""

    rows: int
    households: bytes
    members: bytes
    member_lines: list[tuple[str, int]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_headers: list[Text | str] = field(default_factory=list)


def piece_of(plan: Plan) -> Piece:
    return Piece(rows=plan.rows, households=copy_text(_households(plan)), members=copy_text(plan.members),
                 member_lines=[(m[2], m[3]) for m in plan.members], errors=plan.errors,
                 ignored_headers=plan.ignored_headers)


def _households(plan: Plan) -> Iterable[tuple]:
    """Each household's row in the staging table's column order, its income's parts flattened into it and its
    members as ``household.registered`` lists them."""
    members = listed(plan.members)
    for h in plan.households:
        yield (*_household_columns({**h, **(h["income"] or _NO_INCOME)}), members.get(h["id"], "[]"))


#: a household's row but its members, taken in C (``plan._accept`` sets every one of its keys, the income's apart)
_household_columns = operator.itemgetter(*HOUSEHOLD_COLUMNS[:-1])
_NO_INCOME = dict.fromkeys(INCOME)


def listed(members: Iterable[Sequence]) -> dict[str, str]:
    """Each household's members as JSON text, the facts ``household.registered`` carries (``events.Member``), in
    the file's order: made here, on the worker's side of the pipeline, rather than by PostgreSQL per piece."""
    by_household: dict[str, list[dict]] = {}
    relation, sex, born, health, grade = _AT["relation"], _AT["sex"], _AT["birth_date"], _AT["health"], \
        _AT["disability_grade"]
    labour, stage, status, insured = _AT["labour_capacity"], _AT["schooling_stage"], _AT["schooling_status"], \
        _AT["medical_insurance"]
    for m in members:
        by_household.setdefault(m[1], []).append({
            "member_id": str(m[0]), "relation": m[relation], "sex": m[sex],
            "birth_year": m[born].year if m[born] else None, "health": m[health], "disability_grade": m[grade],
            "labour_capacity": m[labour], "schooling_stage": m[stage], "schooling_status": m[status],
            "boarding": False, "medical_insurance": m[insured]})
    # orjson: the same compact, not ASCII-escaped text as json.dumps(ensure_ascii=False, separators=(",", ":")) (a
    # \uXXXX would have COPY's escape doubled on every relation, 户主 …), in a fifth of the time
    return {h: orjson.dumps(listed).decode() for h, listed in by_household.items()}


def copy_text(rows: Iterable[Sequence]) -> bytes:
    return "".join(["\t".join([_field(v) for v in row]) + "\n" for row in rows]).encode()


def _field(value) -> str:
    if value is None:
        return "\\N"
    kind = value.__class__
    if kind is str:  # the common case inline: 300,000 rows × 25 columns
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return _escaped(value)
        return value
    if kind is bool:
        return "t" if value else "f"
    if kind is list:  # text[]: the plan's lists hold code-list keys (致贫原因), quoted as array elements
        return _escaped("{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value)
                        + "}")
    return str(value)  # int, Decimal, date: their text is PostgreSQL's input form


def _escaped(text: str) -> str:
    """What COPY's text format escapes in a value: the column and row separators, the escape itself
    (``str.replace``, not ``str.translate`` with a table: that looks every character up in a dict)."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
