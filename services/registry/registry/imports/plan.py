"""Group the rows by 户编号 into households, check each household whole, report every bad row by line."""

import contextlib
import gc
import itertools
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from backstop_common.i18n import Text, msg
from backstop_common.fen import to_fen
from registry.imports.columns import find_header
from registry.imports.copy_rows import household_text, members_text
from registry.imports.ids import OrderedIds
from registry.imports.rows import ID_NUMBER, INSURED, IS_HEAD, LABOUR, SCHOOLING_STATUS, cell_text, layout_of, parse_row


#: a good row of a household with a bad one
NOT_LOADED = "not loaded: another row of this household is bad"


@dataclass
class RowError:
    line: int
    household_number: str | None
    reasons: list[Text]  # translated when the report is answered (i18n)


@dataclass
class Plan:
    """A piece's households checked: each good one's staging rows already written as COPY text (``copy_rows``),
    while its rows' objects are still in the processor's cache, not walked again once the piece is whole."""

    rows: int = 0
    households: list[str] = field(default_factory=list)  # each household's row (``copy_rows.household_text``)
    members: list[str] = field(default_factory=list)  # each household's members' rows (``copy_rows.members_text``)
    member_lines: list[tuple[str, int]] = field(default_factory=list)  # each member's (户编号, line), for the report
    errors: list[RowError] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)


def plan_import(table: list[list], villages: dict[tuple[str, str], str], village_codes: set[str], today: date,
                progress=None) -> Plan:
    """``villages`` maps (township name, village name) → code, ``village_codes`` the codes in scope; ``today``
    is the county's date by the app's clock (an ID number's birth date may not be after it)."""
    with no_gc():
        return _plan(table, villages, village_codes, today, progress)


@contextlib.contextmanager
def no_gc():
    """300,000 rows of small lists and dicts: the cyclic collector would rescan them again and again
    (reference counting still frees everything; only cycles wait for the collector's return)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _plan(table, villages, village_codes, today, progress) -> Plan:
    plans = list(plan_chunks(table, villages, village_codes, today, progress, rows_per_chunk=0))
    return plans[0]


def plan_chunks(table: list[list], villages: dict[tuple[str, str], str], village_codes: set[str], today: date,
                progress=None, rows_per_chunk: int = 20_000) -> Iterator[Plan]:
    """The file's plan in pieces of about ``rows_per_chunk`` rows, each ending where a household ends, so each
    can be loaded while the next is parsed. Only when every household's rows stand together (as the national
    exports write them): otherwise one piece, the whole file, for a household is checked whole. The checks
    across households (an ID number on two lines) run over the whole file either way. ``0`` — one piece."""
    header, cols, ignored = find_header(table)
    lines = [i for i in range(header + 1, len(table)) if _filled(table[i])]
    pieces = _pieces(table, lines, cols["household_number"], rows_per_chunk) if rows_per_chunk else [lines]
    seen: dict[str, int] = {}
    new_id, layout = OrderedIds(), layout_of(cols)
    for piece in pieces:
        yield _plan_piece(table, piece, layout, ignored, seen, new_id, villages, village_codes, today, progress)


class Apart(Exception):
    """A household's rows stand apart in the file: pieces already made must be discarded and the file planned
    whole (``plan_chunks``)."""


def plan_blocks(blocks: Iterable[tuple[int, list[list]]], villages: dict[tuple[str, str], str],
                village_codes: set[str], today: date, rows_per_chunk: int = 20_000) -> Iterator[Plan]:
    """``plan_chunks`` over the rows as they are read (``reader.sheet_blocks``: (index of the first row, rows)),
    the same pieces cut at the same lines, each made as soon as the next household's first row is read.
    Raises ``Apart`` when a household's rows turn out to stand apart (the pieces made so far are not the
    file's: ``plan_chunks`` makes it one piece)."""
    table: list[list] = []
    blocks = iter(blocks)
    for start, rows in blocks:
        _extend(table, start, rows)
        if len(table) >= 5:  # find_header looks at the first five rows
            break
    header, cols, ignored = find_header(table)
    seen: dict[str, int] = {}
    new_id, layout = OrderedIds(), layout_of(cols)

    def parsed() -> Iterator[tuple[tuple, str]]:
        """The filled lines parsed (``_parsed``), each with its 户编号, as the blocks come (the first ones already
        in ``table``): a row is parsed as soon as it is read, not once its whole piece is (the plan waited ~1 s
        for the first piece's rows, while PostgreSQL waited for the plan), and its cells are let go then."""
        read = header + 1
        for start, rows in itertools.chain([(len(table), [])], blocks):
            _extend(table, start, rows)
            for i in range(read, len(table)):
                cells, table[i] = table[i], None
                if _filled(cells):  # its 户编号 as parsed: what ``_number`` reads
                    row = _parsed(cells, i + 1, layout, villages, village_codes, today)
                    yield row, row[2]["household_number"]
            read = len(table)

    # each household checked as soon as its rows are parsed, while they are in the processor's cache, not once
    # its piece's 20,000 rows are (~100 MB of cells and dicts, walked again from memory)
    plan = Plan(ignored_headers=ignored)
    for number, rows in _households(parsed()):
        if plan.rows >= rows_per_chunk:
            yield plan
            plan = Plan(ignored_headers=ignored)
        plan.rows += len(rows)
        _check_household(number, rows, seen, plan, new_id)
    yield plan


def _extend(table: list[list], start: int, rows: list[list]) -> None:
    if start < len(table):
        raise Apart(f"rows from {start} after {len(table)}")  # not in the sheet's order: read it whole
    table.extend([[]] * (start - len(table)))  # rows without a cell (calamine: cells of "")
    table.extend(rows)


def _plan_piece(table, piece: list[int], layout, ignored, seen: dict[str, int], new_id, villages, village_codes,
                today, progress=None) -> Plan:
    rows = []
    for n, index in enumerate(piece, 1):
        rows.append(_parsed(table[index], index + 1, layout, villages, village_codes, today))
        if progress and n % 5000 == 0:
            progress(5000)
    return _planned(rows, ignored, seen, new_id)


def _parsed(cells: list, line: int, layout, villages, village_codes, today) -> tuple:
    """A row as the plan groups it: (line, person, household facts, village code, problems)."""
    person, facts, problems = parse_row(cells, layout, today)
    return line, person, facts, _village(facts, villages, village_codes, problems), problems


def _planned(rows: list[tuple], ignored, seen: dict[str, int], new_id) -> Plan:
    """A piece's parsed rows (``_parsed``) grouped into households and each checked whole."""
    plan, groups = Plan(rows=len(rows), ignored_headers=ignored), {}
    for row in rows:
        groups.setdefault(row[2]["household_number"], []).append(row)
    for number, grouped in groups.items():
        _check_household(number, grouped, seen, plan, new_id)
    return plan


def _number(cells: list, col: int) -> str:
    """The 户编号 as ``parse_row`` reads it (for cutting the file between households)."""
    cell = cells[col] if col < len(cells) else None
    if cell.__class__ is str:
        return cell.strip()
    try:
        return cell_text(cell, "household_number")
    except ValueError:
        return ""


def _filled(cells: list) -> bool:
    for cell in cells:  # a loop, not any() over a generator: most rows' first cell is filled (0.5 → 0.1 CPU s)
        if cell is not None and cell != "":
            return True
    return False


def _pieces(table: list[list], lines: list[int], col: int, size: int) -> list[list[int]]:
    try:
        return list(_cut(((i, _number(table[i], col)) for i in lines), size))
    except Apart:  # a household's rows apart: check the file whole
        return [lines]


def _cut(lines: Iterable[tuple[object, str]], size: int) -> Iterator[list]:
    """Lines (index or parsed row, 户编号) in the file's order in pieces of about ``size``, each ending where a
    household ends (the last: at the end, empty if there were none). Raises ``Apart`` at a household whose rows
    stand apart."""
    piece = []
    for _number, rows in _households(lines):
        if len(piece) >= size:
            yield piece
            piece = []
        piece += rows
    yield piece


def _households(lines: Iterable[tuple[object, str]]) -> Iterator[tuple[str, list]]:
    """(户编号, its lines) of each household in the file's order, each given once the next household's first line is
    seen. Raises ``Apart`` at a household whose rows stand apart."""
    done = set()
    for number, rows in itertools.groupby(lines, _second):
        if number in done:
            raise Apart(number)
        done.add(number)
        yield number, [line for line, _number in rows]


_second = operator.itemgetter(1)


def _village(facts: dict, villages, codes: set[str], problems: list[Text]) -> str | None:
    if facts["village_code"]:
        if facts["village_code"] not in codes:
            problems.append(msg("unknown village code {code} in your area", code=facts["village_code"]))
        return facts["village_code"]
    code = villages.get((facts["township"], facts["village"]))
    if code is None:
        problems.append(msg("unknown village {township}/{village} in your area", township=facts["township"],
                            village=facts["village"]))
    return code


def _check_household(number: str, rows: list, seen: dict[str, int], plan: Plan, new_id) -> None:
    bad = False
    heads = [r for r in rows if r[1][IS_HEAD]]
    if len(heads) != 1:
        reason = msg("household has no head (户主)") if not heads else msg("household has {n} heads (户主)",
                                                                          n=len(heads))
        for r in rows:
            r[4].append(reason)
    for line, person, _facts, _code, problems in rows:
        id_number = person[ID_NUMBER]
        if id_number and id_number in seen:
            problems.append(msg("ID number also on line {line} (one person, one household)", line=seen[id_number]))
        elif id_number:
            seen[id_number] = line
        if problems:
            bad = True
            plan.errors.append(RowError(line, number or None, problems))
    if bad:
        for line, _p, _f, _c, problems in rows:
            if not problems:
                plan.errors.append(RowError(line, number, [NOT_LOADED]))
        return
    _accept(number, rows, heads[0], plan, new_id)


def _accept(number: str, rows: list, head, plan: Plan, new_id) -> None:
    household_id = new_id()
    facts = head[2]
    size = len(rows)
    income = facts["income"]
    per_capita = None
    if income:
        net = income["wage"] + income["business"] + income["property"] + income["transfer"] - income["business_costs"]
        per_capita = to_fen(net / size)
    dibao = tekun = False
    labour = uninsured = dropout = 0
    members, member_lines = [], plan.member_lines
    for line, person, row_facts, _code, _problems in rows:  # one pass, not a generator for each count
        # straight into the staging table's column order (bulk.MEMBER_COLUMNS): the person is its last columns
        members.append((new_id(), household_id, number, line) + person)  # + not *: no list between
        member_lines.append((number, line))
        if row_facts["dibao"]:
            dibao = True
        if row_facts["tekun"]:
            tekun = True
        labour += person[LABOUR] != "none"
        uninsured += not person[INSURED]
        dropout += person[SCHOOLING_STATUS] == "dropped_out"
    plan.households.append(household_text(facts, members, household_id, head[0], number, head[3], dibao, tekun,
                                          per_capita, labour, uninsured, dropout))
    plan.members.append(members_text(members))

