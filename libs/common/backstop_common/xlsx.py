"""Streaming XLSX export for any list an office hands upward: one sheet, written row by row.

Why not xlsxwriter (which we used, in constant-memory mode): it spends ~6 µs of Python per cell (type
dispatch, per-cell escaping through regexes, one file write per cell), and a county's household export
is ~1.6 million cells: ~10 s of CPU before the database had done anything (bench/registry_export.py,
issue 12). A sheet of inline strings, numbers and booleans is a few lines of SpreadsheetML: this writer
builds each row as one string and streams it into the zip entry, ~1 µs a cell (6× less), with the
memory of one batch of rows. What it writes: one worksheet, a bold header row, text as inline strings
(never a shared-string table: that would hold every string in memory), numbers, booleans.
"""

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO, Any
from xml.sax.saxutils import escape

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: ``responses=`` of a route that answers a workbook (alone, or instead of JSON when asked)
XLSX_RESPONSES = {200: {"description": "A workbook (.xlsx)",
                        "content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}
#: rows joined into one write to the zip stream
BATCH = 1000
#: characters XML 1.0 cannot hold; Excel's own escape for them is _xHHHH_
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="{_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>'),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'),
    "xl/styles.xml": (  # style 0 plain, style 1 bold (the header)
        f'<styleSheet xmlns="{_MAIN}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
}


def _column(n: int) -> str:
    name = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        name = chr(65 + r) + name
    return name


_COLUMNS = [_column(i) for i in range(16384)]  # Excel's widest sheet


def _text(value: str) -> str:
    text = escape(value)
    return _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text) if _ILLEGAL.search(text) else text


def _cells(r: int, row: Sequence[Any], style: str = "") -> str:
    cells = []
    for c, value in enumerate(row):
        if value is None or value == "":
            continue
        ref = f"{_COLUMNS[c]}{r}"
        if value is True or value is False:
            cells.append(f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, (int, float)):
            cells.append(f'<c r="{ref}"{style}><v>{value!r}</v></c>')
        else:
            text = _text(value if isinstance(value, str) else str(value))
            cells.append(f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
    return f'<row r="{r}">{"".join(cells)}</row>'


class XlsxSheet:
    """One sheet written row by row into ``target`` (a path or a binary file); ``close()`` finishes it."""

    def __init__(self, target: str | IO[bytes], headers: Sequence[str], sheet: str):
        # deflate level 1: the XML still shrinks ~8×, in a fifth of level 6's time
        self.zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        for name, xml in _PARTS.items():
            self.zip.writestr(name, _HEAD + xml)
        self.zip.writestr("xl/workbook.xml", f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
                                             f'<sheet name="{escape(sheet[:31])}" sheetId="1" r:id="rId1"/>'
                                             '</sheets></workbook>')
        self.stream = self.zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self.stream.write(f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
        self.rows, self.pending = 1, [_cells(1, list(headers), ' s="1"')]

    def append(self, row: Sequence[Any]) -> None:
        self.rows += 1
        self.pending.append(_cells(self.rows, row))
        if len(self.pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        self.stream.write("".join(self.pending).encode())
        self.pending = []

    def close(self) -> None:
        self._flush()
        self.stream.write(b"</sheetData></worksheet>")
        self.stream.close()
        self.zip.close()


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "Sheet1") -> bytes:
    """Rows are written one at a time; memory stays flat for 100,000s of rows."""
    buffer = io.BytesIO()
    writer = XlsxSheet(buffer, headers, sheet)
    for row in rows:
        writer.append(row)
    writer.close()
    return buffer.getvalue()


def xlsx_response(data: bytes, filename: str):
    from fastapi.responses import Response  # noqa: PLC0415 - the export's own process needs no web stack

    return Response(data, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
