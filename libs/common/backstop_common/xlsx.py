"""Streaming XLSX export (xlsxwriter in constant-memory mode) for any list an office hands upward."""

import io
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter
from fastapi.responses import Response

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "Sheet1") -> bytes:
    """Rows are written one at a time; memory stays flat for 100,000s of rows."""
    with tempfile.TemporaryDirectory() as tmp:
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "tmpdir": tmp, "in_memory": False})
        ws = book.add_worksheet(sheet[:31])
        bold = book.add_format({"bold": True})
        ws.write_row(0, 0, list(headers), bold)
        for r, row in enumerate(rows, start=1):
            ws.write_row(r, 0, [v if isinstance(v, (int, float)) or v is None else str(v) for v in row])
        book.close()
        return buffer.getvalue()


def xlsx_response(data: bytes, filename: str) -> Response:
    return Response(data, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
