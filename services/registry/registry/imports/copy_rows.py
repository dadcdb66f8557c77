"""A plan's piece as PostgreSQL's COPY text format, made in the import's worker process.

The service used to unpickle every piece's 20,000 row tuples and encode them again for COPY (~5 s of its CPU
for 300,000 rows, and the pymalloc arenas it kept afterwards); now the worker writes the rows as COPY text and
the service forwards the bytes (issue 18). Text, not CSV: COPY's text format tells NULL (``\\N``) from an empty
text, which CSV as Python writes it cannot. Each household's rows are written as the plan accepts it
(``household_text``, ``members_text``), while its objects are still in the processor's cache, not once its piece's
20,000 rows are (~100 MB of tuples and dicts walked again from memory); a piece joins them (``piece_of``).
"""

import itertools
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import orjson

from backstop_common.i18n import Text
from registry.imports.rows import INCOME
from registry.repository.bulk_columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS

if TYPE_CHECKING:  # the plan writes its households with this module's functions: imported there, not here
    from registry.imports.plan import Plan, RowError

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
    errors: list["RowError"] = field(default_factory=list)
    ignored_headers: list[Text | str] = field(default_factory=list)


def piece_of(plan: "Plan") -> Piece:
    return Piece(rows=plan.rows, households="".join(plan.households).encode(), members="".join(plan.members).encode(),
                 member_lines=plan.member_lines, errors=plan.errors, ignored_headers=plan.ignored_headers)


#: COPY's text for NULL
N = "\\N"
#: the facts a file's cell gives as they are (free text: a name may hold a tab or a backslash); every other
#: value of a planned row is a code, a number, a date, a generated id or a 户编号 of digits, never one COPY escapes
_MEMBER_TEXTS = operator.itemgetter(*(MEMBER_COLUMNS.index(c) for c in
                                      ("person_number", "name", "ethnicity", "phone", "education")))
_HOUSEHOLD_TEXTS = operator.itemgetter("natural_village", "phone")


def _plain(texts: Iterable[Iterable[str | None]]) -> bool:
    """No COPY separator nor escape in any of these texts (``None`` and "" skipped; one pass in C)."""
    joined = "".join(filter(None, itertools.chain.from_iterable(texts)))
    return not ("\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined)


def members_text(members: list[tuple]) -> str:
    """A household's members' staging rows (``MEMBER_COLUMNS``) as COPY text, each row one f-string when no text
    needs COPY's escapes (~40 % less CPU than a call per value: 7.5 million values in 300,000 rows);
    ``copy_text`` when one does."""
    if not _plain(map(_MEMBER_TEXTS, members)):
        return copy_text(members)
    return "".join([
        f"{i}\t{h}\t{number}\t{line}\t{person or N}\t{name}\t{pinyin}\t{initials}\t{id_number}\t{relation}\t"
        f"{'t' if head else 'f'}\t{sex}\t{born}\t{ethnicity or N}\t{phone or N}\t{education or N}\t{stage or N}\t"
        f"{status or N}\t{health}\t{grade}\t{labour}\t{employment}\t{N if months is None else months}\t"
        f"{'t' if insured else 'f'}\t{pension or N}\n"
        for i, h, number, line, person, name, pinyin, initials, id_number, relation, head, sex, born, ethnicity,
        phone, education, stage, status, health, grade, labour, employment, months, insured, pension in members
    ])


def household_text(h: dict, members: list[tuple]) -> str:
    """A household's staging row (``HOUSEHOLD_COLUMNS``) as COPY text, its members (their rows, ``members_text``)
    listed in it: one f-string when no text needs COPY's escapes, ``copy_text`` when one does."""
    if not _plain((_HOUSEHOLD_TEXTS(h),)):
        return copy_text([household_row(h, members)])
    return (
        f"{h['id']}\t{h['line']}\t{h['household_number']}\t{h['village_code']}\t{h['natural_village'] or N}\t"
        f"{h['phone'] or N}\t{h['poverty_status']}\t{_or_null(h['year_lifted'])}\t{_bool(h['dibao'])}\t"
        f"{_bool(h['tekun'])}\t{h['monitoring_category'] or N}\t{_bool(h['risk_eliminated'])}\t"
        f"{_or_null(h['risk_identified_on'])}\t{_or_null(h['risk_eliminated_on'])}\t{h['main_cause'] or N}\t"
        f"{_field(h['other_causes'])}\t{h['housing_grade'] or N}\t{_bool(h['safe_water'])}\t{h['size']}\t"
        f"{_or_null(h['per_capita_income'])}\t{_income(h['income'])}\t{h['labour']}\t{h['uninsured']}\t"
        f"{h['dropout']}\t{_listing(members)}\n")


def _or_null(value) -> str:
    return N if value is None else str(value)


def _bool(value: bool | None) -> str:
    return N if value is None else "t" if value else "f"


def _income(income: dict | None) -> str:
    """The income's columns (wage, business, business_costs, property, transfer), tab-separated."""
    if income is None:
        return "\\N\t\\N\t\\N\t\\N\t\\N"
    return f"{income['wage']!s}\t{income['business']!s}\t{income['business_costs']!s}\t{income['property']!s}\t" \
        f"{income['transfer']!s}"


def _listing(members: list[tuple]) -> str:
    """``listed(members)`` written as JSON text here, byte for byte what orjson writes of its dicts (every value
    a code of the registry's lists, a number, a boolean or null: nothing JSON escapes), without a dict per member."""
    return "[" + ",".join([
        f'{{"member_id":"{m[0]}","relation":"{m[9]}","sex":"{m[11]}",'
        f'"birth_year":{"null" if m[12] is None else m[12].year},"health":"{m[18]}",'
        f'"disability_grade":{m[19]},"labour_capacity":"{m[20]}",'
        f'"schooling_stage":{"null" if m[16] is None else chr(34) + m[16] + chr(34)},'
        f'"schooling_status":{"null" if m[17] is None else chr(34) + m[17] + chr(34)},'
        f'"boarding":false,"medical_insurance":{"true" if m[23] else "false"}}}'
        for m in members]) + "]"


def household_row(h: dict, members: list[tuple]) -> tuple:
    """A household's row in the staging table's column order, its income's parts flattened into it and its
    members as ``household.registered`` lists them."""
    return (*_household_columns({**h, **(h["income"] or _NO_INCOME)}), listed(members))


#: a household's row but its members, taken in C (``plan._accept`` sets every one of its keys, the income's apart)
_household_columns = operator.itemgetter(*HOUSEHOLD_COLUMNS[:-1])
_NO_INCOME = dict.fromkeys(INCOME)


def listed(members: Iterable[Sequence]) -> str:
    """A household's members as JSON text, the facts ``household.registered`` carries (``events.Member``), in the
    file's order: made here, on the worker's side of the pipeline, rather than by PostgreSQL per piece."""
    relation, sex, born, health, grade = _AT["relation"], _AT["sex"], _AT["birth_date"], _AT["health"], \
        _AT["disability_grade"]
    labour, stage, status, insured = _AT["labour_capacity"], _AT["schooling_stage"], _AT["schooling_status"], \
        _AT["medical_insurance"]
    # orjson: the same compact, not ASCII-escaped text as json.dumps(ensure_ascii=False, separators=(",", ":")) (a
    # \uXXXX would have COPY's escape doubled on every relation, 户主 …), in a fifth of the time
    return orjson.dumps([{
        "member_id": str(m[0]), "relation": m[relation], "sex": m[sex],
        "birth_year": m[born].year if m[born] else None, "health": m[health], "disability_grade": m[grade],
        "labour_capacity": m[labour], "schooling_stage": m[stage], "schooling_status": m[status],
        "boarding": False, "medical_insurance": m[insured]} for m in members]).decode()


def copy_text(rows: Iterable[Sequence]) -> str:
    return "".join(["\t".join([_field(v) for v in row]) + "\n" for row in rows])


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
