"""Read CSV (UTF-8 or GBK), XLS and XLSX into rows of cells (python-calamine for both Excel formats)."""

import csv
import io

from python_calamine import CalamineWorkbook

from backstop_common.i18n import msg


class UnreadableFile(ValueError):
    pass


def read_rows(data: bytes, filename: str) -> list[list]:
    name = filename.lower()
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith((".xls", ".xlsx")):
        return _excel(data)
    return _csv(data)


def _excel(data: bytes) -> list[list]:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        return sheet.to_python(skip_empty_area=False)
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
