"""The import worker's frames for a workbook with every column and bad rows of every kind: pinned, so that a rewrite
of the worker's checks or of its COPY text (issue 18) is proven to send the same pieces, problems and order. No
database: the worker alone, in this process (its reading thread as in the service)."""

import hashlib
import io
import pickle
import random
import re
import struct
from datetime import date, datetime

import pytest
import xlsxwriter
from stdnum.cn import ric

from registry.imports import worker
from registry.imports.columns import ALIASES

#: every column the import reads, by its first header text
HEADERS = [aliases[0] for aliases in ALIASES.values()]
#: each column's values: mostly good ones, a few bad (a column's first value is its common one)
VALUES = {
    "county": ["清河区"],
    "township": ["张相镇", "张相镇", "李家镇", ""],
    "village": ["张相村", "张相村", "王村", ""],
    "village_code": ["", "", "", "211204001001", "211204999999"],
    "natural_village": ["一组", "", "二\t组", "三\\组"],
    "person_number": ["", "0101", "0102"],
    "id_type": ["居民身份证", ""],
    "sex": ["", "男", "女", "未知"],
    "birth_date": ["", "1970-01-01", "197001", "1970/02/03", "19700101", "hier", "1985-13-01"],
    "ethnicity": ["汉族", "", "回族"],
    "education": ["初中", "", "小学", "文\n盲"],
    "schooling": ["", "", "小学三年级", "学龄前儿童", "普通高中", "本科", "幼儿园"],
    "dropout_reason": ["", "", "", "家庭困难"],
    "health": ["健康", "健康", "长期慢性病", "残疾", "患有大病,残疾", "很好"],
    "disability_grade": ["", "一级", "3", "五级"],
    "labour": ["普通劳动力", "", "弱劳动力或半劳动力", "丧失劳动力", "超人"],
    "employment": ["", "省外务工", "乡（镇）内务工", "公益性岗位", "月球务工"],
    "migrant_months": ["0", "", "6", "12", "三", "1.5"],
    "public_welfare_post": ["", "", "", "护林员"],
    "medical_insurance": ["是", "是", "否", "", "也许"],
    "pension": ["是", "", "否", "或许"],
    "dibao": ["", "否", "是", "嗯"],
    "tekun": ["", "否", "是", "啊"],
    "assistance_type": ["", "一般贫困户", "低保贫困户", "特困供养贫困户", "低保特困供养贫困户"],
    "household_type": ["脱贫户", "一般农户", "", "贫困户", "富户"],
    "year_lifted": ["", "2018", "2019年", "去年"],
    "monitoring_category": ["", "", "脱贫不稳定户", "边缘易致贫户", "大户"],
    "risk_eliminated": ["", "是", "否", "不知"],
    "risk_identified_on": ["", "2021-03-01", "202104", "昨天"],
    "risk_eliminated_on": ["", "2022-05-06", "2020-01-01", "明天"],
    "main_cause": ["因病", "因学", "", "缺劳动力", "因自然灾害(旱)", "因懒"],
    "risk2": ["", "", "因残"], "risk3": ["", "", "因灾"], "risk4": ["", "因病"], "risk5": ["", "因穷"],
    "housing_grade": ["", "", "A", "c", "E"],
    "dangerous_house": ["否", "是", "", "半"],
    "safe_water": ["是", "", "否", "大概"],
    "water_difficulty": ["", "否", "是", "x"],
    "household_phone": ["13800000000", "", "139\\00"],
    "phone": ["", "13900000000"],
    "wage": ["20000", "0", "", "1,234.567", "-5", "abc", "1e99"],
    "business": ["5000", "0", "12.5"],
    "property": ["0", "", "1000"],
    "transfer": ["1200", "0"],
    "business_costs": ["2000", "0", "1e3"],
}
#: the columns read from a head's row after its income's and the income's: more often odd, so that a head's row
#: has problems on both sides of its income's (their order is part of the answer)
ODD = dict.fromkeys(("wage", "business", "business_costs", "risk_identified_on", "risk_eliminated_on",
                     "risk_eliminated", "year_lifted", "dibao", "tekun"), 0.06)
RELATIONS = ["户主", "配偶", "之子", "之女", "之母", "本人", "朋友"]


def _id_number(rnd: random.Random) -> str:
    stem = f"211204{rnd.randrange(1940, 2020)}{rnd.randrange(1, 13):02d}{rnd.randrange(1, 29):02d}" \
           f"{rnd.randrange(0, 1000):03d}"
    good = stem + ric.calc_check_digit(stem + "0")
    return good if rnd.random() < 0.98 else rnd.choice([good.lower(), stem + "0", stem[:10], "2.11204E+17", "",
                                                        f" {good} "])


def workbook(households: int = 600, seed: int = 18) -> bytes:
    """Households of one to four rows (a few with no head or two heads, one without its 户编号), each
    cell a good value mostly and now and then a bad one; some cells typed as Excel numbers, dates and booleans."""
    rnd = random.Random(seed)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    as_date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["全国防返贫监测信息系统"])
    sheet.write_row(1, 0, HEADERS)
    r, used = 2, []
    for h in range(households):
        number = "" if h == 7 else f"8630{h:010d}" if rnd.random() < 0.99 else f"8630x{h}"
        relations = ["户主"] + [rnd.choice(RELATIONS[1:5]) for _ in range(rnd.randrange(0, 4))]
        if rnd.random() < 0.03:
            relations[rnd.randrange(len(relations))] = rnd.choice(RELATIONS)
        for relation in relations:
            id_number = used[rnd.randrange(len(used))] if used and rnd.random() < 0.005 else _id_number(rnd)
            used.append(id_number)
            row = {key: rnd.choice(values) if rnd.random() < ODD.get(key, 0.012) else values[0]
                   for key, values in VALUES.items()}
            row.update(household_number=number, relation=relation, id_number=id_number,
                       name="" if rnd.random() < 0.005 else rnd.choice(["张三", "李四", "王小二"]))
            for c, key in enumerate(ALIASES):
                value = row[key]
                if key == "birth_date" and value == "1970-01-01" and rnd.random() < 0.5:
                    sheet.write_datetime(r, c, datetime(1970, 1, 1), as_date)
                elif key in ("migrant_months", "wage") and value.isdigit() and rnd.random() < 0.2:
                    sheet.write_number(r, c, int(value) + rnd.choice([0, 0, 0.5]))
                elif key == "household_number" and value.isdigit() and rnd.random() < 0.05:
                    sheet.write_number(r, c, int(value))
                elif key == "medical_insurance" and rnd.random() < 0.02:
                    sheet.write_boolean(r, c, value == "是")
                elif value:
                    sheet.write_string(r, c, value)
            r += 1
    book.close()
    return buffer.getvalue()


_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def frames_of(sent: bytes) -> list[tuple[str, object]]:
    """The (kind, value) frames the worker sent, as the service reads them."""
    frames, view = [], memoryview(sent)
    while view:
        size = struct.unpack(">Q", view[:8])[0]
        frames.append(pickle.loads(view[8:8 + size]))
        view = view[8 + size:]
    return frames


def digest(frames: list[tuple[str, object]]) -> str:
    """sha256 over the frames: each piece's COPY text (its generated ids numbered in the order they first appear),
    its members' lines, its problems (message, values) in order."""
    ids: dict[bytes, bytes] = {}

    def numbered(text: bytes) -> bytes:
        return _UUID.sub(lambda m: ids.setdefault(m.group(), b"id%d" % len(ids)), text)

    out = hashlib.sha256()
    for kind, value in frames:
        out.update(kind.encode())
        if kind == "piece":
            out.update(numbered(value.households) + numbered(value.members))
            out.update(repr((value.rows, value.member_lines, value.ignored_headers)).encode())
            out.update(repr([(e.line, e.household_number,
                              [(getattr(r, "msgid", r), getattr(r, "params", None)) for r in e.reasons])
                             for e in value.errors]).encode())
    return out.hexdigest()


def worker_frames(data: bytes, monkeypatch, rows_per_chunk: int, sheet_block: int | None) -> bytes:
    villages = {("张相镇", "张相村"): "211204001001", ("李家镇", "王村"): "211204002001"}
    job = worker.ImportJob(b"", "export.xlsx", villages, {"211204001001", "211204002001"}, date(2026, 12, 3),
                           rows_per_chunk, sheet_block)
    stdin, stdout = io.BytesIO(pickle.dumps(job) + data), io.BytesIO()
    monkeypatch.setattr("sys.stdin", type("In", (), {"buffer": stdin}))
    monkeypatch.setattr("sys.stdout", type("Out", (), {"buffer": stdout}))
    worker.main()
    return stdout.getvalue()


#: the frames' digest on main before the worker's checks were remembered per combination of cells (the file, its
#: pieces: of 500 rows, the sheet in blocks of 4 KB, and whole)
PINNED = {500: "65f3b2b88e9aaa79e364684c63ca1e5a3c23924ad3fdc1562571e3aac1bfe86a",
          0: "d68489cc562d45077b0913227281e507db16b1a7c61dd04502db36ab183b1fc3"}


@pytest.mark.parametrize(("rows_per_chunk", "sheet_block"), [(500, 4096), (0, None)])
def test_the_workers_frames_for_a_workbook_with_bad_rows_are_pinned(monkeypatch, rows_per_chunk, sheet_block):
    frames = frames_of(worker_frames(workbook(), monkeypatch, rows_per_chunk, sheet_block))
    pieces = [value for kind, value in frames if kind == "piece"]
    assert [kind for kind, _value in frames] == ["piece"] * len(pieces) + ["done"]
    assert len(pieces) == (3 if rows_per_chunk else 1)
    assert sum(len(p.member_lines) for p in pieces) > 700 and sum(len(p.errors) for p in pieces) > 600
    assert digest(frames) == PINNED[rows_per_chunk]
