"""Build national-export-like files for import tests and the benchmark."""

import csv
import io

import xlsxwriter

HEADERS = ["序号", "县(市、区、旗)", "乡(镇)", "行政村", "自然村", "户编号", "人编号", "姓名", "证件号码", "人数",
           "与户主关系", "民族", "文化程度", "在校生状况", "健康状况", "劳动技能", "务工时间（月）", "是否参加大病保险",
           "致贫原因1", "危房户", "是否解决安全饮用水", "人均纯收入", "户联系电话", "人联系电话", "户类型",
           "易返贫致贫户(监测对象)类型", "风险是否消除", "风险识别时间", "风险消除时间", "工资性收入", "生产经营性收入",
           "财产性收入", "转移性收入", "生产经营性支出", "是否参加城乡居民基本养老保险"]


def person(household_number: str, person_number: str, name: str, id_number: str, relation: str = "户主",
           township: str = "张相镇", village: str = "张相村", **kw) -> dict:
    row = {"县(市、区、旗)": "清河区", "乡(镇)": township, "行政村": village, "自然村": "一组", "户编号": household_number,
           "人编号": person_number, "姓名": name, "证件号码": id_number, "人数": "", "与户主关系": relation, "民族": "汉族",
           "文化程度": "初中", "在校生状况": "", "健康状况": "健康", "劳动技能": "普通劳动力", "务工时间（月）": "0",
           "是否参加大病保险": "是", "致贫原因1": "因病", "危房户": "否", "是否解决安全饮用水": "是", "人均纯收入": "",
           "户联系电话": "13800000000", "人联系电话": "", "户类型": "脱贫户", "易返贫致贫户(监测对象)类型": "",
           "工资性收入": "20000", "生产经营性收入": "5000", "财产性收入": "0", "转移性收入": "1200",
           "生产经营性支出": "2000"}
    row.update(kw)
    return row


def to_csv(rows: list[dict], encoding: str = "gbk", title: str | None = "已脱贫人口名单") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if title:
        writer.writerow([title])
    writer.writerow(HEADERS)
    for i, row in enumerate(rows, 1):
        writer.writerow([str(i)] + [row.get(h, "") for h in HEADERS[1:]])
    return out.getvalue().encode(encoding)


def to_xlsx(rows: list[dict], numeric: tuple[str, ...] = (), path=None) -> bytes:
    """``numeric`` columns are written as numbers, as Excel does to a long digit string."""
    buffer = path or io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["全国防返贫监测信息系统 — 脱贫人口信息"])
    sheet.write_row(1, 0, HEADERS)
    for r, row in enumerate(rows, start=2):
        sheet.write_number(r, 0, r - 1)
        for c, header in enumerate(HEADERS[1:], start=1):
            value = row.get(header, "")
            if header in numeric and value.isdigit():
                sheet.write_number(r, c, float(value))
            else:
                sheet.write_string(r, c, value)
    book.close()
    return None if path else buffer.getvalue()
