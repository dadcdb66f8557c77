"""Read CSV (UTF-8 or GBK), XLS and XLSX into rows of cells (python-calamine for both Excel formats)."""

import csv
import io
import queue
import re
import sys
import threading
import zipfile
from collections.abc import Iterator

from python_calamine import CalamineWorkbook

from backstop_common.i18n import msg


class UnreadableFile(ValueError):
    pass


def read_rows(data: bytes, filename: str) -> list[list]:
    return _excel(data) if _is_excel(data, filename) else _csv(data)


def _is_excel(data: bytes, filename: str) -> bool:
    """An XLSX (a zip) or an XLS (an OLE file) by its first bytes, or by its name."""
    return (data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            or filename.lower().endswith((".xls", ".xlsx")))


def _calamine_sheet(data: bytes):
    """calamine's first sheet of an XLSX or XLS (its own errors for a damaged file)."""
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)


def _excel(data: bytes) -> list[list]:
    try:
        return _calamine_sheet(data).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise UnreadableFile(msg("not a readable Excel file: {error}", error=str(exc))) from None


def _csv(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile(msg("the CSV is neither UTF-8 nor GBK/GB18030"))
    if "\x00" in text[:1000]:
        raise UnreadableFile(msg("not a CSV or Excel file"))
    dialect = csv.excel_tab if text[:2000].count("\t") > text[:2000].count(",") else csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


#: sheet XML read at a time when an XLSX is read in blocks (~650 rows of the national export each; 8 MB cost
#: 2 CPU s more than the whole sheet at once for the bench's file, 1 MB 0.9: fewer large buffers)
BLOCK = 1 << 20
#: what else a workbook read in blocks may hold: its other parts go into every block's little workbook and are read
#: again with each (~460 blocks for the bench's file), so a large shared-string table means reading it whole
OTHER_PARTS = 128 << 10


class NotInBlocks(Exception):
    """The sheet cannot be cut between its rows safely: read it whole (``read_rows``)."""


def sheet_blocks(data: bytes, block: int = BLOCK) -> Iterator[tuple[int, list[list]]] | None:
    """An XLSX's first sheet in blocks of rows as its XML is inflated, each (index of its first row, rows), so
    the plan can start before the whole sheet is read: each block's rows are cut out of the sheet XML between
    two ``</row>`` and read by calamine as a workbook of their own (the file's styles, shared strings and
    workbook parts around them), so every cell is what ``read_rows`` gives. ``None`` for anything else (CSV,
    XLS, a workbook with large other parts); ``NotInBlocks`` from the iterator when the sheet turns out not
    to be cut safely (rows without their number ``r``): read it whole then."""
    if data[:4] != b"PK\x03\x04":
        return None
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        sheet = _first_sheet(book)
    except (zipfile.BadZipFile, KeyError, ValueError):
        return None
    if sheet is None:
        return None
    others = [i for i in book.infolist() if i.filename != sheet]
    if sum(i.file_size for i in others) > OTHER_PARTS:
        return None
    return _blocks(book, sheet, others, block)


def _first_sheet(book: zipfile.ZipFile) -> str | None:
    """The part of the workbook's first sheet (calamine's index 0), when it is a worksheet."""
    names = set(book.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return None
    first = re.search(rb"<sheet\b[^>]*\sr:id=\"([^\"]+)\"", book.read("xl/workbook.xml"))
    if first is None:
        return None
    for rel in re.findall(rb"<Relationship\b[^>]*>", book.read("xl/_rels/workbook.xml.rels")):
        if re.search(rb"\sId=\"" + re.escape(first.group(1)) + rb"\"", rel):
            target = re.search(rb"\sTarget=\"([^\"]+)\"", rel)
            if target is None or not re.search(rb"\sType=\"[^\"]*/worksheet\"", rel):
                return None
            path = target.group(1).decode()
            path = path[1:] if path.startswith("/") else "xl/" + path
            return path if path in names else None
    return None


def _blocks(book: zipfile.ZipFile, sheet: str, others: list, block: int) -> Iterator[tuple[int, list[list]]]:
    parts = [(i.filename, book.read(i)) for i in others]
    head, rest = None, b""
    with book.open(sheet) as xml:
        while True:
            more = xml.read(block)
            rest += more
            if head is None:
                at = rest.find(b"<sheetData>")
                if at < 0:
                    if more and len(rest) < max(block, BLOCK) * 4:
                        continue
                    raise NotInBlocks("no <sheetData>")
                head = re.sub(rb"<dimension\b[^>]*/>", b"", rest[:at + len(b"<sheetData>")])
                rest = rest[at + len(b"<sheetData>"):]
            # the block's rows are rest[:cut], not copied out of it: 460 blocks of 1 MB, and the reading holds the
            # GIL for each copy while the plan waits for it
            end = rest.find(b"</sheetData>")
            if end >= 0:
                cut = end
            elif more:
                cut = rest.rfind(b"</row>")
                if cut < 0:
                    continue
                cut += len(b"</row>")
            else:
                raise NotInBlocks("no </sheetData>")
            if (rest.count(b"<row", 0, cut) != rest.count(b"<row r=\"", 0, cut)
                    or rest.find(b"<![CDATA[", 0, cut) >= 0):
                raise NotInBlocks("rows without their number")
            if _FILLED.search(rest, 0, cut):
                yield _read_block(parts, sheet, (head, memoryview(rest)[:cut], b"</sheetData></worksheet>"))
            if end >= 0:
                return
            rest = rest[cut:]


#: a byte that is not blank (a block of blank between two rows is not read)
_FILLED = re.compile(rb"\S")


def _read_block(parts: list, sheet: str, xml: tuple) -> tuple[int, list[list]]:
    """The rows of the sheet XML ``xml`` (its pieces, written one after another) as calamine reads them."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as book:
        for name, part in parts:
            book.writestr(name, part)
        with book.open(sheet, "w") as written:
            for piece in xml:
                written.write(piece)
    out.seek(0)
    try:
        block = CalamineWorkbook.from_filelike(out).get_sheet_by_index(0)
        start = block.start
        rows = block.to_python(skip_empty_area=True)
    except Exception as exc:  # noqa: BLE001 - a damaged file: read whole, it says why as it always has
        raise NotInBlocks(str(exc)) from None
    if start is None:
        return 0, []
    if start[1]:
        rows = [[""] * start[1] + row for row in rows]
    return start[0], rows


#: rows of a sheet ``sheet_rows`` hands on at a time (~ a block of ``sheet_blocks``)
ROWS_AT_A_TIME = 1000


def sheet_rows(data: bytes, filename: str, rows: int = ROWS_AT_A_TIME) -> Iterator[tuple[int, list[list]]] | None:
    """An Excel sheet that cannot be read in blocks (``sheet_blocks``: a workbook Excel saved, with its text in a
    large shared-string table, or an XLS) in blocks of ``rows`` rows, each (index of its first row, rows), as
    ``read_rows`` would give them: calamine still holds every cell, but its rows become Python lists a block at a
    time, and the plan lets each piece's go (``plan.plan_blocks``) — the Python lists were half of the worker's
    peak (bench/RESULTS.md, session 14). ``None`` for a CSV, or a file calamine cannot open (``read_rows`` then
    says why)."""
    if not _is_excel(data, filename):
        return None
    try:
        sheet = _calamine_sheet(data)
    except Exception:  # noqa: BLE001 - a damaged file: read_rows says why, as it always has
        return None
    return _rows_in_blocks(sheet, rows)


def _rows_in_blocks(sheet, size: int) -> Iterator[tuple[int, list[list]]]:
    if sheet.start is None:  # an empty sheet
        return
    # calamine gives the rows from the sheet's first (the empty ones before its cells too) but each from the first
    # column holding a cell; ``read_rows`` counts both from A1
    first, columns, block = 0, sheet.start[1], []
    for row in sheet.iter_rows():
        block.append([""] * columns + row if columns else row)
        if len(block) == size:
            yield first, block
            first, block = first + size, []
    if block:
        yield first, block


#: blocks read ahead of the plan by ``read_ahead``'s thread: about a piece's rows (~650 rows a block, 20,000 a
#: piece), for the plan takes a piece's rows only once they are all read, then plans them at length; two blocks
#: ahead, the reading waited through each piece's planning and the worker's wall stayed its CPU (the worker's
#: peak RSS ~320 → ~390 MB for the bench's file)
AHEAD = 32
#: seconds the GIL's holder runs before another thread may take it, while ``read_ahead`` reads: at Python's 5 ms
#: the reading thread, which needs the GIL for a moment several times a block, waited on the planning thread
#: each time and fell behind it (the worker's wall no shorter than its CPU)
SWITCH = 0.0002


def read_ahead(blocks: Iterator[tuple[int, list[list]]], depth: int = AHEAD) -> Iterator[tuple[int, list[list]]]:
    """``blocks`` (``sheet_blocks``) read by a thread of their own, up to ``depth`` ahead of the caller. calamine
    parses a block without holding the GIL (the worker's largest part: ~9 of the bench XLSX's ~23 CPU s), so
    the sheet is read on the machine's other core while this thread plans the rows before it. The blocks come
    in their order; what the reading raises (``NotInBlocks``) is raised here, at the block it stopped; a caller
    that stops early stops the thread."""
    ready: queue.Queue = queue.Queue(depth)
    stop = threading.Event()

    def offer(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for block in blocks:
                if not offer((block, None)):
                    return
            offer((None, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            offer((None, exc))

    thread = threading.Thread(target=read, name="sheet-blocks", daemon=True)
    switching = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH)
    thread.start()
    try:
        while True:
            block, problem = ready.get()
            if problem is not None:
                raise problem
            if block is None:
                return
            yield block
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(switching)
