"""Read CSV (UTF-8 or GBK), XLS and XLSX into rows of cells (python-calamine for both Excel formats)."""

import csv
import io
import itertools
import operator
import pickle
import queue
import re
import struct
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator

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
            rows = _inline_rows(rest, cut)  # its rows all numbered, no CDATA: the checks below hold
            if rows is None:
                if (rest.count(b"<row", 0, cut) != rest.count(b"<row r=\"", 0, cut)
                        or rest.find(b"<![CDATA[", 0, cut) >= 0):
                    raise NotInBlocks("rows without their number")
                if _FILLED.search(rest, 0, cut):
                    rows = _read_block(parts, sheet, (head, memoryview(rest)[:cut], b"</sheetData></worksheet>"))
            if rows is not None:
                yield rows
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


#: a text cell as xlsxwriter's constant-memory mode writes it (the bench's file; a national export written by a
#: program, not saved by Excel): ``<c r="B3" t="inlineStr"><is><t>清河区</t></is></c>``; what stands between two cells
#: of a row, between a cell's column and its text, and after a row's last text
_BETWEEN, _TEXT, _ROW_END = b'</t></is></c><c r="', b'" t="inlineStr"><is><t>', b"</t></is></c></row>"
#: what calamine would make something else of (an entity or character reference, Excel's ``_xHHHH_`` escape, a
#: carriage return: XML reads CR LF as LF), and the marks ``_inline_rows`` puts in the XML's place
_NOT_PLAIN = (b"&", b"\r", b"\x00", b"\x01", b"\x02")
#: a row's marks, the XML's around its texts replaced: column, text, then column, text … each row to its end
_MARKS = re.compile(rb"(?:\x00(?:\x01\x00)*\x02)*")
_NOT_MARKS, _ONE_MARK = bytes(range(3, 256)), bytes.maketrans(b"\x01", b"\x00")
_LETTERS, _DIGITS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"0123456789"
#: the widest row and the longest run of rows without cells ``_inline_rows`` fills in (calamine reads the rest),
#: and the sets of columns it keeps (``_shape``)
WIDEST, EMPTY_RUN, SHAPES_KEPT = 1024, 1024, 1024


def _inline_rows(xml: bytes, end: int) -> tuple[int, list[list]] | None:
    """A block's rows (``xml[:end]``: its ``<row>`` elements) as calamine reads them, when every cell of them is
    text of the plain form (``_TEXT``: ~9 million cells for 100,000 households), or ``None``: then calamine reads
    them. calamine parsed ~45 MB of this XML a second (quick-xml, then a Python object per cell): here the XML
    around the texts is replaced by one-byte marks and the block cut at them by bytes' and str's own methods,
    each row's texts put in their columns (``_shape``) and trimmed of blanks, tabs and newlines as calamine trims
    them. Anything else (another attribute or element, a number, a date, a shared string, ``xml:space``, a cell
    whose ``r`` is not its row's) leaves a ``<`` or ``>`` of its own, marks out of turn, or a column that is not
    letters: ``None``."""
    if any(xml.find(odd, 0, end) >= 0 for odd in _NOT_PLAIN) or (
            xml.find(b"_", 0, end) >= 0 and xml.find(b"_x", 0, end) >= 0):
        return None
    # the most frequent, longest mark first: each replace scans what the one before left (~18 % less CPU than the
    # row's end first); a text holds no ``<``, so the order finds the same marks, but where a cell has no column
    # (``r=""``: two marks share its ``"``), which leaves a ``<`` in either order: ``None``
    marked = xml[:end].replace(_TEXT, b"\x00").replace(_BETWEEN, b"\x01").replace(_ROW_END, b"\x02")
    count = marked.count(b"\x02")  # what is left of the XML: each row's <row …><c r="
    if (not count or marked.count(b"<") != 2 * count or marked.count(b">") != count
            or not _MARKS.fullmatch(marked.translate(None, _NOT_MARKS))):
        return None
    blanks = marked.count(b" ") != 2 * count or marked.find(b"\t") >= 0 or marked.find(b"\n") >= 0
    try:
        elements = marked.translate(_ONE_MARK).decode().split("\x02")
    except UnicodeDecodeError:
        return None
    if elements.pop().strip(" \t\n"):
        return None
    first = last = None
    rows: list[list] = []
    width = 0
    for element in elements:
        parts = element.split("\x00")
        head, found, parts[0] = parts[0].rpartition('<c r="')
        head = head.lstrip(" \t\n")
        number = parts[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        if not (found and head.startswith('<row r="') and head.endswith(">") and not head.endswith("/>")
                and number.isascii() and number.isdigit()):
            return None
        texts = parts[1::2]
        columns = "\x00".join(parts[0::2]).encode()  # each cell's r, which must be its row's
        if columns.translate(None, _LETTERS) != f"{number}\x00".encode() * (len(texts) - 1) + number.encode():
            return None
        shape = _shape(columns.translate(None, _DIGITS))
        if shape is None:
            return None
        at = int(number) - 1
        if last is None:
            first = at
        elif not last < at <= last + EMPTY_RUN:
            return None
        else:
            rows.extend([] for _ in range(at - last - 1))  # rows without cells: calamine's, all blank
        last = at
        if blanks and (element.count(" ") != 2 or "\t" in element or "\n" in element):
            texts = [text.strip(" \t\n") for text in texts]
        texts.append("")
        rows.append(shape[1](texts))
        width = max(width, shape[0])
    for row in rows:
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    return first, rows


#: a row's column letters (``A\x00C\x00AB``) → (width, the row's cells from its texts): a file's rows fill a few sets
#: of columns
_SHAPES: dict[bytes, tuple | None] = {}


def _shape(columns: bytes) -> tuple[int, Callable[[list], list]] | None:
    """(width, a function of a row's texts and a blank after them → its cells from column A) for the column letters
    of a row's cells, or ``None`` when they are not letters in order."""
    if columns in _SHAPES:
        return _SHAPES[columns]
    letters = columns.split(b"\x00")
    shape = None
    if all(0 < len(c) <= 3 and c.isalpha() and c.isupper() for c in letters):
        at = [_column(c.decode()) for c in letters]
        if all(a < b for a, b in itertools.pairwise(at)) and at[-1] < WIDEST:
            where = {column: i for i, column in enumerate(at)}
            take = operator.itemgetter(*(where.get(column, len(at)) for column in range(at[-1] + 1)))
            shape = (at[-1] + 1, (lambda texts: [take(texts)]) if at[-1] == 0 else (lambda texts: list(take(texts))))
    if len(_SHAPES) < SHAPES_KEPT:
        _SHAPES[columns] = shape
    return shape


def _column(letters: str) -> int:
    """``A`` → 0, ``AE`` → 30."""
    n = 0
    for letter in letters:
        n = n * 26 + ord(letter) - 64
    return n - 1


#: blocks read ahead of the plan by ``read_ahead``'s thread: about a piece's rows (~650 rows a block, 20,000 a
#: piece), for the plan takes a piece's rows only once they are all read, then plans them at length; two blocks
#: ahead, the reading waited through each piece's planning and the worker's wall stayed its CPU (the worker's
#: peak RSS ~320 → ~390 MB for the bench's file)
AHEAD = 32


def blocks_in_child(data: bytes, block: int = BLOCK, ahead: int = AHEAD) -> Iterator[tuple[int, list[list]]] | None:
    """``sheet_blocks(data, block)`` read by a process of its own (``python -m registry.imports.reader``), each
    block's cells sent back as one text when they are all text (a block's rows are all as wide): the sheet's XML
    is taken apart on the machine's other core and the plan's process only splits that text (~1 of the bench
    file's ~11 CPU s of reading) — in a thread, ``_inline_rows`` would hold the GIL the plan needs. A thread of
    this process takes the frames from the pipe up to ``ahead`` blocks ahead (``read_ahead``); each block's text
    is split into its cells only when the caller takes it, so its ~20,000 cells are made just before they are
    planned, on the planning thread's core, not a piece ahead (~60 MB of cells waiting, planned from memory).
    ``None`` where ``sheet_blocks`` gives ``None``; ``NotInBlocks`` where it raises it, or when the child ends
    without its last frame (its stderr says why): the file is read whole then, as before."""
    if sheet_blocks(data, block) is None:
        return None
    return _cells_of(read_ahead(_from_child(data, block), ahead))


def _cells_of(frames: Iterator[tuple[str, tuple]]) -> Iterator[tuple[int, list[list]]]:
    """The blocks of the reading process's frames (``_texts_or_rows``)."""
    for kind, value in frames:
        if kind == "texts":
            start, width, text = value
            cells = text.split("\x00")
            yield start, [cells[at:at + width] for at in range(0, len(cells), width)]
        else:
            yield value


def _from_child(data: bytes, block: int) -> Iterator[tuple[str, tuple]]:
    """The frames of a reading process (``_serve``) of ``data``: each block's, as ``_texts_or_rows`` made it."""
    child = subprocess.Popen([sys.executable, "-m", "registry.imports.reader", str(block)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    try:
        try:
            child.stdin.write(data)  # the child reads it all before it writes a frame
            child.stdin.close()
        except BrokenPipeError:
            raise NotInBlocks("the sheet's reader ended early") from None
        while (frame := _received(child.stdout)) is not None:
            kind, value = frame
            if kind == "done":
                return
            if kind == "stop":
                raise NotInBlocks(value)
            yield frame
        raise NotInBlocks("the sheet's reader ended early")
    finally:
        child.kill()
        child.wait()
        for pipe in (child.stdin, child.stdout):
            try:
                pipe.close()
            except OSError:  # the stdin's last bytes, never to be read
                pass


_LENGTH = struct.Struct(">Q")


def _received(stream) -> tuple | None:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    size = _LENGTH.unpack(head)[0]
    body = stream.read(size)
    return pickle.loads(body) if len(body) == size else None


def _sent(out, frame: tuple) -> None:
    body = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_LENGTH.pack(len(body)))
    out.write(body)


def _texts_or_rows(start: int, rows: list[list]) -> tuple:
    """A block as its frame: its cells as one text, ``\\x00`` between them, when they are all text without it (a
    block ``_inline_rows`` read always), else the rows themselves (numbers, dates: what calamine made of them)."""
    width = len(rows[0]) if rows else 0
    if width and all(len(row) == width for row in rows):
        try:
            text = "\x00".join(itertools.chain.from_iterable(rows))
        except TypeError:  # a cell that is not text
            pass
        else:
            if text.count("\x00") == width * len(rows) - 1:
                return "texts", (start, width, text)
    return "rows", (start, rows)


def _serve(block: int) -> None:
    """The child of ``blocks_in_child``: the file on stdin, its blocks as frames on stdout."""
    data = sys.stdin.buffer.read()
    out = sys.stdout.buffer
    try:
        for start, rows in sheet_blocks(data, block):
            _sent(out, _texts_or_rows(start, rows))
    except NotInBlocks as exc:
        _sent(out, ("stop", str(exc)))
    else:
        _sent(out, ("done", None))
    out.flush()


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


#: seconds the GIL's holder runs before another thread may take it, while ``read_ahead`` reads: at Python's 5 ms
#: the reading thread, which needs the GIL for a moment several times a block, waited on the planning thread
#: each time and fell behind it (the worker's wall no shorter than its CPU)
SWITCH = 0.0002


def read_ahead(blocks: Iterator, depth: int = AHEAD) -> Iterator:
    """``blocks`` (``blocks_in_child``'s frames) read by a thread of their own, up to ``depth`` ahead of the caller: it waits
    on the reading process's pipe without the GIL while this thread plans the rows before (when calamine read
    the blocks in that thread, without the GIL too, this was how it had the machine's other core). The blocks come
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


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
