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
    between = f"\t{members[0][1]}\t{members[0][2]}\t"  # the household's id and 户编号, the same on every row
    return "".join([
        f"{i}{between}{line}\t{person or N}\t{name}\t{pinyin}\t{initials}\t{id_number}\t{relation}\t"
        f"{'t' if head else 'f'}\t{sex}\t{born}\t{ethnicity or N}\t{phone or N}\t{education or N}\t{stage or N}\t"
        f"{status or N}\t{health}\t{grade}\t{labour}\t{employment}\t{N if months is None else months}\t"
        f"{'t' if insured else 'f'}\t{pension or N}\n"
        for i, _h, _number, line, person, name, pinyin, initials, id_number, relation, head, sex, born, ethnicity,
        phone, education, stage, status, health, grade, labour, employment, months, insured, pension in members
    ])


def household_text(facts: dict, members: list[tuple], household_id: str, line: int, number: str,
                   village_code: str, dibao: bool, tekun: bool, per_capita, labour: int, uninsured: int,
                   dropout: int) -> str:
    """A household's staging row (``HOUSEHOLD_COLUMNS``) as COPY text, straight from its head's parsed facts and
    the counts ``plan._accept`` made (no dict of its 25 columns made only to be read back), its members (their
    rows, ``members_text``) listed in it: one f-string when no text needs COPY's escapes, ``copy_text`` (over
    ``household``'s dict) when one does."""
    (natural_village, phone, status, year, category, risk_eliminated, identified_on, eliminated_on, main_cause,
     other_causes, housing_grade, safe_water, income) = _FACTS(facts)
    if not _plain(((natural_village, phone),)):
        return copy_text([household_row(household(facts, members, household_id, line, number, village_code, dibao,
                                                  tekun, per_capita, labour, uninsured, dropout), members)])
    return (
        f"{household_id}\t{line}\t{number}\t{village_code}\t{natural_village or N}\t{phone or N}\t{status}\t"
        f"{N if year is None or status != 'lifted' else year!s}\t{'t' if dibao else 'f'}\t{'t' if tekun else 'f'}\t"
        f"{category or N}\t{N if risk_eliminated is None else 't' if risk_eliminated else 'f'}\t"
        f"{N if identified_on is None else identified_on!s}\t{N if eliminated_on is None else eliminated_on!s}\t"
        f"{main_cause or N}\t{_causes(other_causes)}\t{housing_grade or N}\t"
        f"{N if safe_water is None else 't' if safe_water else 'f'}\t{len(members)}\t"
        f"{N if per_capita is None else per_capita!s}\t{_income(income)}\t{labour}\t{uninsured}\t{dropout}\t"
        f"{_listing(members)}\n")


#: the head's facts a household's row writes, in its column order, taken in C
_FACTS = operator.itemgetter("natural_village", "phone", "poverty_status", "year_lifted", "monitoring_category",
                             "risk_eliminated", "risk_identified_on", "risk_eliminated_on", "main_cause",
                             "other_causes", "housing_grade", "safe_water", "income")


def household(facts: dict, members: list[tuple], household_id: str, line: int, number: str, village_code: str,
              dibao: bool, tekun: bool, per_capita, labour: int, uninsured: int, dropout: int) -> dict:
    """The household's row as a dict of its columns (``household_row``'s input: the value-by-value writer's)."""
    return {
        "id": household_id, "line": line, "household_number": number, "village_code": village_code,
        "natural_village": facts["natural_village"], "phone": facts["phone"],
        "poverty_status": facts["poverty_status"],
        "year_lifted": facts["year_lifted"] if facts["poverty_status"] == "lifted" else None,
        "dibao": dibao, "tekun": tekun,
        "monitoring_category": facts["monitoring_category"], "risk_eliminated": facts["risk_eliminated"],
        "risk_identified_on": facts["risk_identified_on"], "risk_eliminated_on": facts["risk_eliminated_on"],
        "main_cause": facts["main_cause"],
        "other_causes": facts["other_causes"], "housing_grade": facts["housing_grade"],
        "safe_water": facts["safe_water"], "size": len(members), "per_capita_income": per_capita,
        "income": facts["income"], "labour": labour, "uninsured": uninsured, "dropout": dropout}


def _causes(causes: list[str]) -> str:
    """The other causes as a text[] (``_field``'s list): codes of the registry's list, nothing quoted or escaped."""
    return '{"' + '","'.join(causes) + '"}' if causes else "{}"


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
        f'{{"member_id":"{i}","relation":"{relation}","sex":"{sex}",'
        f'"birth_year":{"null" if born is None else born.year},"health":"{health}",'
        f'"disability_grade":{grade},"labour_capacity":"{labour}",'
        f'"schooling_stage":{"null" if stage is None else _Q + stage + _Q},'
        f'"schooling_status":{"null" if status is None else _Q + status + _Q},'
        f'"boarding":false,"medical_insurance":{"true" if insured else "false"}}}'
        for i, _h, _number, _line, _person, _name, _pinyin, _initials, _id_number, relation, _head, sex, born,
        _ethnicity, _phone, _education, stage, status, health, grade, labour, _employment, _months, insured,
        _pension in members]) + "]"


_Q = '"'


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
