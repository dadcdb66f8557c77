"""The streaming XLSX writer: what goes in comes back out through the same reader the import uses."""

import io

from python_calamine import CalamineWorkbook

from backstop_common.xlsx import XlsxSheet, write_xlsx


def _read(data: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def test_text_numbers_booleans_and_blanks_read_back_as_written():
    data = write_xlsx(["名称", "数", "是否", "空"], [["a<b & c>", 12, True, None], ["  前后空格 ", 0.5, False, ""],
                                               ["控制\x01字符", -3, None, "末"]], sheet="户")
    assert _read(data) == [["名称", "数", "是否", "空"], ["a<b & c>", 12.0, True, ""],
                           ["  前后空格 ", 0.5, False, ""], ["控制\x01字符", -3.0, "", "末"]]
    assert CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names == ["户"]


def test_a_sheet_streams_past_one_batch_into_a_file(tmp_path):
    path = tmp_path / "big.xlsx"
    sheet = XlsxSheet(str(path), ["n", "text"], "rows")
    for i in range(2500):
        sheet.append([i, f"第{i}行"])
    sheet.close()
    rows = _read(path.read_bytes())
    assert len(rows) == 2501 and rows[-1] == [2499.0, "第2499行"] and rows[1] == [0.0, "第0行"]
