"""A plan's piece as PostgreSQL's COPY text format, made in the import's worker process.

The service used to unpickle every piece's 20,000 row tuples and encode them again for COPY (~5 s of its CPU
for 300,000 rows, and the pymalloc arenas it kept afterwards); now the worker writes the rows as COPY text and
the service forwards the bytes (issue 18). Text, not CSV: COPY's text format tells NULL (``\\N``) from an empty
text, which CSV as Python writes it cannot.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from backstop_common.i18n import Text
from registry.imports.plan import Plan, RowError
from registry.repository.bulk import HOUSEHOLD_COLUMNS

#: what COPY's text format escapes in a value (the column and row separators, the escape itself)
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


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
    """Each household's row in the staging table's column order, its income's parts flattened into it."""
    for h in plan.households:
        row = {**h, **h["income"]} if h["income"] else h
        yield tuple(row.get(c) for c in HOUSEHOLD_COLUMNS)


def copy_text(rows: Iterable[Sequence]) -> bytes:
    return "".join(["\t".join([_field(v) for v in row]) + "\n" for row in rows]).encode()


def _field(value) -> str:
    if value is None:
        return "\\N"
    kind = value.__class__
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_ESCAPES)
        return value
    if kind is bool:
        return "t" if value else "f"
    if kind is list:  # text[]: the plan's lists hold code-list keys (致贫原因), quoted as array elements
        return ("{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value) + "}"
                ).translate(_ESCAPES)
    return str(value)  # int, Decimal, date: their text is PostgreSQL's input form
