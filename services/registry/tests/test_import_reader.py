"""The XLSX reader (python-calamine) gives the import the values a county typed: an ID number exact, a code's
leading zeros, a date cell as that date — the same plan as the same rows in a CSV. No database: the plan only."""

import io
import re
from datetime import date, datetime

import pytest
import xlsxwriter

from registry.imports.plan import plan_import
from registry.imports.reader import read_rows
from registry.repository.bulk_columns import HOUSEHOLD_COLUMNS, MEMBER_COLUMNS
from tests.exports import HEADERS, person, to_csv
from tests.factory import id_number

VILLAGES = {("张相镇", "张相村"): "211204001001"}
TODAY = date(2026, 12, 2)


def _xlsx(rows: list[dict], *, shared_strings: bool, dates: tuple[str, ...] = (),
          numbers: tuple[str, ...] = ()) -> bytes:
    """``dates`` columns as Excel date cells, ``numbers`` as number cells; the rest as text. Excel writes its
    text to a shared table, xlsxwriter's constant-memory mode inline (the bench's file): both are read."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": not shared_strings})
    as_date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["已脱贫人口名单"])
    sheet.write_row(1, 0, HEADERS)
    for r, row in enumerate(rows, start=2):
        sheet.write_string(r, 0, str(r - 1))
        for c, header in enumerate(HEADERS[1:], start=1):
            value = row.get(header, "")
            if header in dates and value:
                sheet.write_datetime(r, c, datetime.fromisoformat(value), as_date)
            elif header in numbers and value.isdigit():
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


def _comparable(plan) -> tuple:
    """The plan without its fresh ids (new on every run): its COPY text with each id numbered by where it first
    appears, its members' lines, its problems."""
    numbered = _numbering()
    return ([numbered(h) for h in plan.households], [numbered(m) for m in plan.members], plan.member_lines,
            [(e.line, [str(r) for r in e.reasons]) for e in plan.errors])


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _numbering():
    """A function of COPY text: the text with each uuid replaced by the number of its first appearance."""
    ids: dict[str, str] = {}
    return lambda text: _UUID.sub(lambda m: ids.setdefault(m.group(), f"id{len(ids)}"), text)


def _rows(head_id: str) -> list[dict]:
    return [person("86300000000101", "8630000000010101", "蒋一", head_id, 户联系电话="03517654321",
                   风险识别时间="2024-03-05"),
            person("86300000000101", "8630000000010102", "蒋二", id_number(sex="female"), "配偶",
                   人联系电话="01012345678")]


@pytest.mark.parametrize("shared_strings", [True, False])
def test_xlsx_cells_read_as_the_csv_reads_the_same_text(shared_strings):
    head_id = id_number()
    rows = _rows(head_id)
    table = read_rows(_xlsx(rows, shared_strings=shared_strings, dates=("风险识别时间",)), "export.xlsx")
    head = table[2]
    assert head[HEADERS.index("证件号码")] == head_id  # text: every digit kept
    assert head[HEADERS.index("户联系电话")] == "03517654321"  # a leading zero kept
    assert head[HEADERS.index("风险识别时间")] == date(2024, 3, 5)  # a date cell, a date

    from_xlsx = plan_import(table, VILLAGES, set(VILLAGES.values()), TODAY)
    from_csv = plan_import(read_rows(to_csv(rows), "export.csv"), VILLAGES, set(VILLAGES.values()), TODAY)
    assert from_xlsx.errors == [] and len(from_xlsx.member_lines) == 2
    (household,) = _read_back(from_xlsx.households[0].encode(), HOUSEHOLD_COLUMNS)
    assert household["risk_identified_on"] == "2024-03-05" and household["phone"] == "03517654321"
    assert _comparable(from_xlsx) == _comparable(from_csv)


def test_an_id_number_stored_as_a_number_is_refused_not_shortened():
    """Excel keeps 15 significant digits: an 18-digit ID number typed into a number cell has lost its last
    digits, so the row is refused (and says why) rather than loaded with another person's number."""
    head_id = next(n for n in iter(id_number, None) if n.isdigit())  # an X cannot be a number cell
    table = read_rows(_xlsx(_rows(head_id), shared_strings=True, numbers=("证件号码",)), "export.xlsx")
    plan = plan_import(table, VILLAGES, set(VILLAGES.values()), TODAY)
    assert plan.members == [] and {e.line for e in plan.errors} == {3, 4}
    reasons = " ".join(str(r) for e in plan.errors for r in e.reasons)
    assert "destroyed" in reasons or "已破坏" in reasons


@pytest.mark.parametrize("shared_strings", [True, False])
def test_a_sheet_read_in_blocks_is_planned_as_the_sheet_read_whole(shared_strings):
    """The worker plans an XLSX as its sheet XML is read, a few rows a block (``reader.sheet_blocks``): the
    pieces are the whole sheet's, cut at the same lines — dates, numbers, shared or inline text, a column A
    left empty on some rows, rows left empty between households."""
    from registry.imports.plan import plan_blocks, plan_chunks
    from registry.imports.reader import sheet_blocks, sheet_rows

    rows = []
    for h in range(12):
        number = f"86300000001{h:03d}"
        rows += [person(number, number + "01", "韩一", id_number(), 出生日期="", 风险识别时间="2024-03-05"),
                 person(number, number + "02", "韩二", id_number(sex="female"), "配偶")]
    rows[5]["姓名"] = ""  # a bad row: its household is not loaded
    data = _xlsx(rows, shared_strings=shared_strings, dates=("风险识别时间",), numbers=("务工时间（月）",))
    whole = [_comparable(p) for p in plan_chunks(read_rows(data, "a.xlsx"), VILLAGES, set(), TODAY, rows_per_chunk=5)]
    for block in (300, 2000, 1 << 20):
        blocks = sheet_blocks(data, block)
        assert blocks is not None
        planned = [_comparable(p) for p in plan_blocks(blocks, VILLAGES, set(), TODAY, rows_per_chunk=5)]
        assert planned == whole and len(whole) == 4
    for size in (1, 3, 1000):  # a workbook that cannot be read in blocks: its rows a few at a time
        assert [_comparable(p) for p in plan_blocks(sheet_rows(data, "a.xlsx", size), VILLAGES, set(), TODAY,
                                                    rows_per_chunk=5)] == whole
    assert any(e[0] == 8 for p in whole for e in p[3])

    gaps = io.BytesIO()  # no title, column A empty, rows 4–5 and 8–9 empty
    book = xlsxwriter.Workbook(gaps, {"constant_memory": not shared_strings})
    sheet = book.add_worksheet()
    sheet.write_row(1, 1, HEADERS[1:])
    for r, row in zip((2, 5, 6, 9, 10, 11), rows[6:], strict=False):
        sheet.write_row(r, 1, [row.get(h, "") for h in HEADERS[1:]])
    book.close()
    data = gaps.getvalue()
    whole = [_comparable(p) for p in plan_chunks(read_rows(data, "a.xlsx"), VILLAGES, set(), TODAY, rows_per_chunk=2)]
    assert [e[0] for p in whole for e in p[3]] == [] and sum(len(p[2]) for p in whole) == 6
    assert [_comparable(p) for p in plan_blocks(sheet_blocks(data, 200), VILLAGES, set(), TODAY,
                                                rows_per_chunk=2)] == whole
    assert [_comparable(p) for p in plan_blocks(sheet_rows(data, "a.xlsx", 2), VILLAGES, set(), TODAY,
                                                rows_per_chunk=2)] == whole
    assert sheet_rows(to_csv(rows), "a.csv") is None


def test_rows_planned_from_blocks_are_let_go():
    """The worker keeps no more of the sheet than the piece it plans: a piece's rows are freed once it is made
    (the whole sheet was ~600 MB of the worker's peak for 100,000 households)."""
    import weakref

    from registry.imports.plan import plan_blocks

    class Row(list):  # a list that can be watched
        pass

    rows = [person(f"8630000000400{h}", f"8630000000400{h}01", "韩一", id_number()) for h in range(8)]
    table = [Row(HEADERS)] + [Row([str(i + 1)] + [r.get(h, "") for h in HEADERS[1:]]) for i, r in enumerate(rows)]
    watched = [weakref.ref(r) for r in table]
    blocks = ((i, [table.pop(0)]) for i in range(len(table)))  # a row a block, held by nothing else
    pieces = plan_blocks(blocks, VILLAGES, set(), TODAY, rows_per_chunk=1)
    assert [len(next(pieces).member_lines) for _ in range(3)] == [1, 1, 1]
    assert [w() is None for w in watched[1:4]] == [True] * 3  # the three households planned: let go
    assert [w() is None for w in watched[6:]] == [False] * 3  # rows read, not planned yet
    assert sum(len(p.member_lines) for p in pieces) == 5


def test_a_household_apart_stops_the_plan_read_in_blocks():
    from registry.imports.plan import Apart, plan_blocks
    from registry.imports.reader import sheet_blocks

    rows = [person(f"8630000000200{h}", f"8630000000200{h}01", "韩一", id_number()) for h in range(4)]
    data = _xlsx(rows + rows[:1], shared_strings=False)
    with pytest.raises(Apart):
        list(plan_blocks(sheet_blocks(data, 300), VILLAGES, set(), TODAY, rows_per_chunk=1))
    assert sheet_blocks(to_csv(rows), 300) is None


def test_a_sheet_whose_rows_have_no_number_is_not_read_in_blocks():
    """Rows without ``r`` are numbered by their place in the sheet: a block alone would number them from its
    own start, so the worker reads such a sheet whole (after discarding any pieces sent: ``restart``)."""
    import re
    import zipfile

    from registry.imports.reader import NotInBlocks, sheet_blocks

    rows = [person(f"8630000000300{h}", f"8630000000300{h}01", "韩一", id_number()) for h in range(4)]
    data = _xlsx(rows, shared_strings=False)
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        for name in source.namelist():
            part = source.read(name)
            book.writestr(name, re.sub(rb'<row r="[0-9]+"', b"<row", part) if name.endswith("sheet1.xml") else part)
    unnumbered = out.getvalue()
    with pytest.raises(NotInBlocks):
        list(sheet_blocks(unnumbered, 300))
    assert _comparable(plan_import(read_rows(unnumbered, "a.xlsx"), VILLAGES, set(), TODAY))[1] == \
        _comparable(plan_import(read_rows(data, "a.xlsx"), VILLAGES, set(), TODAY))[1]


@pytest.mark.parametrize("filename", ["a.xlsx", "a.csv"])
def test_the_worker_process_plans_without_the_web_and_orm_layers_and_writes_rows_with_orjson(filename):
    """The import's child process (``python -m registry.imports.worker``, as ``plans_in_process`` starts it) never
    imports FastAPI or SQLAlchemy — its start is the import's first second and its memory is not the service's —
    and writes the pieces' JSON with orjson (issue 18). Asked of the real process, at its exit."""
    import pickle
    import subprocess
    import sys

    from registry.imports.worker import FRAME, ImportJob

    rows = _rows(id_number())
    data = _xlsx(rows, shared_strings=True) if filename.endswith("xlsx") else to_csv(rows)
    probe = ("import atexit, runpy, sys\n"
             "atexit.register(lambda: sys.stderr.write('\\nloaded: ' + ' '.join(\n"
             "    m for m in ('fastapi', 'starlette', 'sqlalchemy', 'sqlmodel', 'orjson') if m in sys.modules)))\n"
             "runpy.run_module('registry.imports.worker', run_name='__main__')\n")
    job = ImportJob(b"", filename, VILLAGES, set(), TODAY, rows_per_chunk=5)
    done = subprocess.run([sys.executable, "-c", probe], input=pickle.dumps(job) + data, capture_output=True,
                          timeout=120, check=True)
    kinds, out = [], done.stdout
    while out:
        size = FRAME.unpack(out[:FRAME.size])[0]
        kinds.append(pickle.loads(out[FRAME.size:FRAME.size + size])[0])
        out = out[FRAME.size + size:]
    assert kinds == ["piece", "done"]
    assert done.stderr.decode().rsplit("\n", 1)[-1] == "loaded: orjson"


@pytest.mark.parametrize("odd", ["", "\t", "\\", "\n", "\r", "\\N"])
def test_a_piece_is_written_as_copy_text_whatever_its_texts_hold(odd, monkeypatch):
    """The worker writes each household's rows as f-strings (``copy_rows.members_text``, ``household_text``), and
    falls back to the value-by-value writer (``copy_text``, the members' list by orjson) for a household with a
    text from the file that holds one of COPY's separators or its escape: the same bytes as that writer gives for
    every household, and each text read back as the file had it."""
    from registry.imports import copy_rows
    from registry.imports.plan import plan_chunks

    rows = []
    for h, text_at in enumerate(("姓名", "自然村", "民族", "人联系电话", "户联系电话", "人编号", "文化程度")):
        number = f"86300000002{h:03d}"
        rows += [person(number, number + "01", "冯一", id_number(), **{text_at: f"冯{odd}冯"}),
                 person(number, number + "02", "冯二", id_number(sex="female"), "配偶", 在校生状况="小学",
                        健康状况="残疾", **{"务工时间（月）": ""})]
    rows.append(person("86300000002999", "8630000000299901", "冯三", id_number(), 工资性收入=""))  # no income
    table = read_rows(to_csv(rows), "a.csv")

    def pieces() -> list:
        return [copy_rows.piece_of(p) for p in plan_chunks(table, VILLAGES, set(), TODAY, rows_per_chunk=4)]

    written = pieces()
    monkeypatch.setattr(copy_rows, "_plain", lambda texts: False)  # every household value by value
    value_by_value = pieces()
    assert len(written) == 4 and not any(p.errors for p in written)
    for piece, by_value in zip(written, value_by_value, strict=True):
        numbered, numbered_by_value = _numbering(), _numbering()
        assert numbered(piece.households.decode()) == numbered_by_value(by_value.households.decode())
        assert numbered(piece.members.decode()) == numbered_by_value(by_value.members.decode())
    members = [m for p in written for m in _read_back(p.members, MEMBER_COLUMNS)]
    households = [h for p in written for h in _read_back(p.households, HOUSEHOLD_COLUMNS)]
    assert len(members) == 15 and len(households) == 8
    texts = [m[c] for m in members for c in ("name", "ethnicity", "phone", "person_number", "education")] + \
        [h[c] for h in households for c in ("natural_village", "phone")]
    assert texts.count(f"冯{odd}冯") == 7  # inside the text: a cell's ends are stripped


def _read_back(text: bytes, columns) -> list[dict]:
    """COPY's text format read as PostgreSQL reads it: ``\\N`` alone is NULL, a backslash escapes what follows."""
    escapes = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}

    def value(field: str):
        if field == "\\N":
            return None
        out, chars = [], iter(field)
        for c in chars:
            out.append(escapes.get(next(chars), "?") if c == "\\" else c)
        return "".join(out)

    lines = text.decode().split("\n")
    assert lines.pop() == ""
    return [dict(zip(columns, [value(f) for f in line.split("\t")], strict=True)) for line in lines]


def test_blocks_read_ahead_come_in_order_raise_where_the_reading_stopped_and_stop_with_the_caller():
    """The worker reads an XLSX's blocks in a thread of its own (``reader.read_ahead``: calamine parses without
    the GIL while the rows before are planned): the same blocks in the same order, the reading's exception at
    the block it stopped, and a caller that stops early (a household apart) leaves no thread reading on."""
    import sys
    import threading

    from registry.imports.reader import NotInBlocks, read_ahead

    switching = sys.getswitchinterval()
    blocks = [(i * 3, [[str(i)]]) for i in range(50)]
    assert list(read_ahead(iter(blocks), depth=4)) == blocks
    assert sys.getswitchinterval() == switching

    def broken():
        yield from blocks[:7]
        raise NotInBlocks("rows without their number")

    seen = []
    with pytest.raises(NotInBlocks):
        for block in read_ahead(broken(), depth=2):
            seen.append(block)
    assert seen == blocks[:7]

    reading = read_ahead(iter(blocks), depth=2)
    assert next(reading) == blocks[0]
    reading.close()
    assert not any(t.name == "sheet-blocks" for t in threading.enumerate())
    assert sys.getswitchinterval() == switching


def test_a_workbook_not_read_in_blocks_is_still_planned_as_its_rows_are_read(monkeypatch):
    """A workbook Excel saved (its text in a large shared-string table, ``reader.OTHER_PARTS``) or an XLS is not
    cut into blocks of XML, but the worker still plans it a block of rows at a time (``reader.sheet_rows``: the
    rows as Python lists only a piece's worth at once), into the pieces the sheet read whole gives."""
    import pickle

    from registry.imports import reader, worker
    from registry.imports.copy_rows import piece_of
    from registry.imports.plan import plan_chunks

    rows = []
    for h in range(9):
        number = f"86300000002{h:03d}"
        rows += [person(number, number + "01", "韩一", id_number()), person(number, number + "02", "韩二",
                                                                          id_number(sex="female"), "配偶")]
    data = _xlsx(rows, shared_strings=True)
    monkeypatch.setattr(reader, "OTHER_PARTS", 0)  # this little workbook's shared strings count as large
    assert reader.sheet_blocks(data) is None
    out = io.BytesIO()
    assert worker._planned_as_read(worker.ImportJob(data, "export.xlsx", VILLAGES, set(), TODAY, rows_per_chunk=4),
                                   out)
    frames, out = [], out.getvalue()
    while out:
        size = worker.FRAME.unpack(out[:worker.FRAME.size])[0]
        frames.append(pickle.loads(out[worker.FRAME.size:worker.FRAME.size + size]))
        out = out[worker.FRAME.size + size:]
    whole = [piece_of(p) for p in plan_chunks(read_rows(data, "a.xlsx"), VILLAGES, set(), TODAY, rows_per_chunk=4)]
    assert [kind for kind, _ in frames] == ["piece"] * len(whole) and len(whole) == 5
    assert [(p.rows, p.member_lines) for _, p in frames] == [(p.rows, p.member_lines) for p in whole]


@pytest.mark.parametrize("cells", [
    ["1", " 张相镇 ", "张相村", "8630000001", "863000000101", "王伟", " 211204194001010012 ", "户主"],
    ["1", "张相镇", "张相村", "8630000001", "863000000101", "王伟", "2.11204E+17", "户主"],  # scientific: a problem
    ["1", "张相镇", "张相村", 8630000001.0, "863000000101", "王伟", "211204194001010012", "户主"],  # a number cell
    ["1", "张相镇", "张相村", "8630000001", "863000000101", "王伟", None, "户主"],  # an empty XLS cell
    ["1", "张相镇", "张相村", "8630000001", "863000000101"],  # a short row
])
def test_a_rows_texts_are_the_same_taken_whole_or_one_by_one(cells):
    """``rows._texts`` takes a row's cells in C when all are text and there; any other row goes one by one: the
    same texts and problems either way."""
    from registry.imports.rows import _texts, _texts_one_by_one, layout_of

    layout = layout_of({"township": 1, "village": 2, "household_number": 3, "person_number": 4, "name": 5,
                        "id_number": 6, "relation": 7})
    quick, one_by_one = [], []
    assert _texts(cells, layout.every, quick) == _texts_one_by_one(cells, layout.every.each, one_by_one)
    assert [repr(p) for p in quick] == [repr(p) for p in one_by_one]


@pytest.mark.parametrize("counter", [0, (1 << 48) - 3, (1 << 61) - 2, (1 << 62) - 2])
def test_a_bulk_loads_ids_are_the_uuids_of_its_counter_in_order(counter, monkeypatch):
    """``ids.OrderedIds`` writes only the counter's low 48 bits for each id: the text is still the whole uuid
    (version 7, its time first, the counter in its last 62 bits), through the carry out of the low 48 bits."""
    import uuid

    from registry.imports import ids

    monkeypatch.setattr(ids.random, "getrandbits", lambda bits: 0xabc if bits == 12 else counter)
    new_id = ids.OrderedIds()
    texts = [new_id() for _ in range(6)]
    made = [uuid.UUID(text) for text in texts]
    assert texts == [str(u) for u in made]  # the canonical text form
    assert {u.version for u in made} == {7} and {u.variant for u in made} == {uuid.RFC_4122}
    assert [u.int & ((1 << 62) - 1) for u in made] == [(counter + n) & ((1 << 62) - 1) for n in range(1, 7)]
    assert {u.int >> 64 & 0xfff for u in made} == {0xabc}


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _calamine_rows(rows_xml: bytes) -> tuple[int, list[list]]:
    """The rows of sheet XML as calamine reads them, in a little workbook as ``reader._read_block`` writes it."""
    import zipfile

    from registry.imports.reader import _read_block

    book = zipfile.ZipFile(io.BytesIO(_xlsx([], shared_strings=False)))
    sheet = "xl/worksheets/sheet1.xml"
    parts = [(name, book.read(name)) for name in book.namelist() if name != sheet]
    xml = book.read(sheet)
    return _read_block(parts, sheet, (xml[:xml.index(b"<sheetData>") + len(b"<sheetData>")], rows_xml,
                                      b"</sheetData></worksheet>"))


TAB_NEWLINE, QUOTE, CR_LF, NEWLINE = "\tb\n", 'a"b', "a\r\nb", "\n"
PLAIN_ROWS = {  # read by ``_inline_rows``: the same cells as calamine's
    "columns apart": f'<row r="3">{_cell("A3", "x")}{_cell("C3", "清河区")}{_cell("AB3", "863")}</row>',
    "rows apart": f'<row r="3">{_cell("B3", "a")}</row><row r="7" spans="1:4">{_cell("D7", "b")}</row>{NEWLINE}',
    "blanks at a text's ends": f'<row r="3">{_cell("A3", " a ")}{_cell("B3", TAB_NEWLINE)}{_cell("C3", "c d")}'
                               f'{_cell("D3", " ")}</row>',
    "empty text, a quote": f'<row r="12">{_cell("A12", "")}{_cell("B12", QUOTE)}</row>',
}
OTHER_ROWS = {  # left to calamine
    "an entity": f'<row r="3">{_cell("A3", "a&amp;b")}</row>',
    "an Excel escape": f'<row r="3">{_cell("A3", "a_x000D_b")}</row>',
    "a carriage return": f'<row r="3">{_cell("A3", CR_LF)}</row>',
    "a greater-than": f'<row r="3">{_cell("A3", "a>b")}</row>',
    "blanks kept": '<row r="3"><c r="A3" t="inlineStr"><is><t xml:space="preserve"> a </t></is></c></row>',
    "a number": f'<row r="3">{_cell("A3", "a")}<c r="B3"><v>1</v></c></row>',
    "a style": '<row r="3"><c r="A3" s="3" t="inlineStr"><is><t>a</t></is></c></row>',
    "another row's cell": f'<row r="3">{_cell("A3", "a")}{_cell("B13", "b")}</row>',
    "columns out of order": f'<row r="3">{_cell("C3", "a")}{_cell("A3", "b")}</row>',
    "rows out of order": f'<row r="4">{_cell("A4", "a")}</row><row r="3">{_cell("A3", "b")}</row>',
    "a row without cells": f'<row r="3">{_cell("A3", "a")}</row><row r="4"></row><row r="5">{_cell("A5", "b")}</row>',
    "a row closed at once": f'<row r="3">{_cell("A3", "a")}</row><row r="4"/><row r="5">{_cell("A5", "b")}</row>',
    "cells on lines of their own": f'<row r="3">{NEWLINE}{_cell("A3", "a")}{NEWLINE}{_cell("B3", "b")}</row>',
}


@pytest.mark.parametrize("rows_xml", PLAIN_ROWS.values(), ids=PLAIN_ROWS.keys())
def test_plain_text_cells_are_taken_out_of_the_xml_as_calamine_reads_them(rows_xml):
    """The bench's XLSX (xlsxwriter's constant-memory mode, as a national export written by a program) holds only
    text cells of one form: ``reader._inline_rows`` takes them out of the XML by string methods — each where
    calamine puts it, trimmed as calamine trims it (blanks, tabs, newlines; no other blank)."""
    from registry.imports.reader import _inline_rows

    xml = rows_xml.encode()
    assert _inline_rows(xml, len(xml)) == _calamine_rows(xml)


@pytest.mark.parametrize("rows_xml", OTHER_ROWS.values(), ids=OTHER_ROWS.keys())
def test_cells_of_any_other_form_are_left_to_calamine(rows_xml):
    from registry.imports.reader import _inline_rows

    xml = rows_xml.encode()
    assert _inline_rows(xml, len(xml)) is None
    _calamine_rows(xml)  # calamine reads them (or says why not)


@pytest.mark.parametrize("rows_xml", [f'<row r="3">{_cell("", "a")}{_cell("B3", "b")}</row>',
                                      f'<row r="3">{_cell("A3", "a")}{_cell("", "b")}</row>'])
def test_a_cell_without_its_column_is_left_to_calamine(rows_xml):
    """Two of ``_inline_rows``' marks share the quote of an empty ``r=""``: whichever is replaced first, a ``<`` of
    the other is left, and the block goes to calamine (which refuses it: the sheet is read whole, and says why)."""
    from registry.imports.reader import _inline_rows

    xml = rows_xml.encode()
    assert _inline_rows(xml, len(xml)) is None


def test_a_sheet_read_by_a_process_of_its_own_gives_the_blocks_read_here():
    """The worker has a process of its own read the XLSX's blocks (``reader.blocks_in_child``: the XML taken apart
    on the other core): the same blocks as ``sheet_blocks`` in this process — text cells, dates and numbers —
    ``NotInBlocks`` where it stops, ``None`` for a CSV; a caller that stops early leaves no process reading on."""
    import zipfile

    import psutil

    from registry.imports.reader import NotInBlocks, blocks_in_child, sheet_blocks

    rows = []
    for h in range(12):
        number = f"86300000005{h:03d}"
        rows += [person(number, number + "01", "韩一", id_number(), 风险识别时间="2024-03-05"),
                 person(number, number + "02", " 韩二 ", id_number(sex="female"), "配偶")]
    data = _xlsx(rows, shared_strings=False, dates=("风险识别时间",), numbers=("务工时间（月）",))
    texts_only = _xlsx(rows, shared_strings=False)
    for block in (300, 2000, 1 << 20):
        for workbook in (data, texts_only):
            assert list(blocks_in_child(workbook, block)) == list(sheet_blocks(workbook, block))
    assert blocks_in_child(to_csv(rows), 300) is None

    source, unnumbered = re.compile(rb'<row r="[0-9]+"'), io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as book, zipfile.ZipFile(unnumbered, "w") as out:
        for name in book.namelist():
            out.writestr(name, source.sub(b"<row", book.read(name)) if name.endswith("sheet1.xml") else book.read(name))
    with pytest.raises(NotInBlocks):
        list(blocks_in_child(unnumbered.getvalue(), 300))

    reading = blocks_in_child(data, 300)
    next(reading)
    reading.close()
    assert not [p for p in psutil.Process().children() if "registry.imports.reader" in " ".join(p.cmdline())]
