"""The exports' Chinese values → the registry's code lists (shared/national-export-layout.md)."""

import re
from datetime import date, datetime

from backstop_common.i18n import msg
from registry.vocab import CAUSES

YES, NO = {"是", "有", "Y", "y", "1", "true", "TRUE"}, {"否", "无", "N", "n", "0", "false", "FALSE"}
SCIENTIFIC = re.compile(r"^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$")

HOUSEHOLD_TYPE = {"脱贫户": "lifted", "已脱贫": "lifted", "稳定脱贫": "lifted", "一般农户": "never_poor",
                  "普通农户": "never_poor", "非贫困户": "never_poor", "贫困户": "poor", "未脱贫": "poor",
                  "未脱贫户": "poor", "返贫": "poor"}
MONITORING = {"脱贫不稳定户": "unstable_lifted", "边缘易致贫户": "marginal", "突发严重困难户": "sudden_hardship"}
ASSISTANCE = {"一般贫困户": (False, False), "低保贫困户": (True, False), "特困供养贫困户": (False, True),
              "低保特困供养贫困户": (True, True)}
LABOUR = {"普通劳动力": "full", "技能劳动力": "full", "弱劳动力或半劳动力": "partial", "丧失劳动力": "none",
          "无劳动力": "none"}
EMPLOYMENT = {"乡(镇)内务工": "local", "乡(镇)外县内务工": "local", "县外省内务工": "migrant", "省外务工": "migrant",
              "其他": "none", "公益性岗位": "public_welfare"}
GRADES = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "1": 1, "2": 2, "3": 3, "4": 4}
CAUSE_KEYS = {v: k for k, v in CAUSES.items()} | {
    "因自然灾害": "disaster", "缺劳动力": "lack_of_labour", "因灾": "disaster"}


def schooling(value: str) -> tuple[str | None, str | None]:
    """在校生状况 → (stage, status)."""
    if not value:
        return None, None
    if value == "学龄前儿童":
        return "preschool", None
    for prefix, stage in (("学前", "preschool"), ("小学", "primary"), ("七年级", "junior"), ("八年级", "junior"),
                          ("九年级", "junior"), ("初中", "junior"), ("普通高中", "senior"), ("高中", "senior"),
                          ("中职", "vocational"), ("高职", "vocational"), ("技师", "vocational"),
                          ("专科", "college"), ("大专", "college"),
                          ("本科", "university"), ("硕士", "university"), ("大学", "university")):
        if value.startswith(prefix):
            return stage, "enrolled"
    raise ValueError(msg("unknown {column} {value}", column="在校生状况", value=repr(value)))


def health(value: str, grade_text: str) -> tuple[str, int]:
    """健康状况 (comma-joined) → (health, disability grade); 残疾 without 残疾等级 counts as grade 4."""
    if value == "健康" or not value:
        return "healthy", 0
    parts = {p for p in re.split(r"[,，、;；]", value) if p} if value else set()
    unknown = parts - {"健康", "长期慢性病", "患有大病", "残疾", "大病", "慢性病"}
    if unknown:
        raise ValueError(msg("unknown {column} {value}", column="健康状况", value=repr(", ".join(sorted(unknown)))))
    state = "major_illness" if parts & {"患有大病", "大病"} else "chronic" if parts & {"长期慢性病", "慢性病"} \
        else "healthy"
    grade = 0
    if "残疾" in parts:
        grade = GRADES.get(grade_text, 4)
    return state, grade


def yes_no(value: str, column: str) -> bool | None:
    if not value:
        return None
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(msg("{column} must be 是 or 否, got {value}", column=column, value=repr(value)))


def cause(value: str) -> str | None:
    if not value:
        return None
    key = CAUSE_KEYS.get(value) or CAUSE_KEYS.get(value.split("(")[0].split("（")[0])
    if key is None and value.startswith("因自然灾害"):
        key = "disaster"
    if key is None:
        raise ValueError(msg("unknown {column} {value}", column="致贫原因", value=repr(value)))
    return key


def a_date(value, column: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y-%m", "%Y%m"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(msg("{column} {value} is not a date (YYYYMM or YYYY-MM-DD)", column=column, value=repr(value)))


def year(value: str, column: str) -> int | None:
    match = re.match(r"^(\d{4})", value or "")
    if value and not match:
        raise ValueError(msg("{column} {value} is not a year", column=column, value=repr(value)))
    return int(match.group(1)) if match else None
