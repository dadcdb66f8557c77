"""Headers by their text, never by position: each export and year orders and names them differently."""

import re

from backstop_common.i18n import msg

#: canonical key → the header texts the exports use for it
ALIASES: dict[str, tuple[str, ...]] = {
    "county": ("县(市、区、旗)", "县", "县(市、区)", "县（市、区、旗）"),
    "township": ("乡(镇)", "乡", "乡镇", "乡（镇）", "乡镇(街道)"),
    "village": ("行政村", "村", "村(社区)"),
    "village_code": ("村代码", "行政区划代码", "村级行政区划代码"),
    "natural_village": ("自然村",),
    "household_number": ("户编号",),
    "person_number": ("人编号",),
    "name": ("姓名",),
    "id_type": ("证件类型",),
    "id_number": ("证件号码", "身份证号码", "身份证号"),
    "relation": ("与户主关系",),
    "sex": ("性别",),
    "birth_date": ("出生日期",),
    "ethnicity": ("民族",),
    "education": ("文化程度",),
    "schooling": ("在校生状况",),
    "dropout_reason": ("失学或辍学原因",),
    "health": ("健康状况",),
    "disability_grade": ("残疾等级",),
    "labour": ("劳动技能",),
    "employment": ("务工状况",),
    "migrant_months": ("务工时间(月)", "务工时间（月）"),
    "public_welfare_post": ("公益性岗位类型",),
    "medical_insurance": ("是否参加城乡居民基本医疗保险", "是否参加大病保险", "参加大病医疗"),
    "pension": ("是否参加城乡居民基本养老保险",),
    "dibao": ("是否享受低保",),
    "tekun": ("是否特困供养人员",),
    "assistance_type": ("贫困户属性",),
    "household_type": ("户类型", "脱贫属性"),
    "year_lifted": ("脱贫年度",),
    "monitoring_category": ("易返贫致贫户(监测对象)类型", "监测对象类别", "易返贫致贫户（监测对象）类型"),
    "risk_eliminated": ("风险是否消除",),
    "risk_identified_on": ("风险识别时间", "识别监测时间"),
    "risk_eliminated_on": ("风险消除时间", "消除监测时间"),
    "main_cause": ("致贫原因1", "主要致贫原因", "致贫/返贫风险1"),
    "risk2": ("致贫/返贫风险2",), "risk3": ("致贫/返贫风险3",),
    "risk4": ("致贫/返贫风险4",), "risk5": ("致贫/返贫风险5",),
    "housing_grade": ("住房安全等级", "危房等级"),
    "dangerous_house": ("危房户",),
    "safe_water": ("是否解决安全饮用水", "饮水安全"),
    "water_difficulty": ("饮水困难",),
    "household_phone": ("户联系电话", "联系电话"),
    "phone": ("人联系电话",),
    "wage": ("工资性收入",),
    "business": ("生产经营性收入",),
    "property": ("财产性收入",),
    "transfer": ("转移性收入",),
    "business_costs": ("生产经营性支出",),
}
REQUIRED = ("household_number", "name", "id_number", "relation")
GEOGRAPHY = (("village_code",), ("township", "village"))


def _norm(text: object) -> str:
    """Full-width brackets and blanks vary between exports: compare without them."""
    return re.sub(r"\s", "", str(text or "")).replace("（", "(").replace("）", ")")


_LOOKUP = {_norm(alias): key for key, aliases in ALIASES.items() for alias in aliases}


class HeaderProblem(ValueError):
    pass


def find_header(rows: list[list], scan: int = 5) -> tuple[int, dict[str, int], list[str]]:
    """(index of the header row, key → column, headers ignored) from the first ``scan`` rows."""
    best = (-1, {}, [])
    for index, row in enumerate(rows[:scan]):
        mapping, ignored = {}, []
        for col, cell in enumerate(row):
            key = _LOOKUP.get(_norm(cell))
            if key and key not in mapping:
                mapping[key] = col
            elif _norm(cell):
                ignored.append(str(cell))
        if len(mapping) > len(best[1]):
            best = (index, mapping, ignored)
    index, mapping, ignored = best
    missing = [ALIASES[k][0] for k in REQUIRED if k not in mapping]
    if not any(all(k in mapping for k in keys) for keys in GEOGRAPHY):
        missing.append("行政村 + 乡(镇) / 村代码")  # either the two names or the code
    if index < 0 or len(mapping) < 3:
        raise HeaderProblem(msg("no header row found in the first {scan} rows (looked for 户编号, 姓名, 证件号码 …)",
                                scan=scan))
    if missing:
        raise HeaderProblem(msg("missing required column(s): {columns}", columns=", ".join(missing)))
    return index, mapping, ignored
