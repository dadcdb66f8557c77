"""The household/member list back to XLSX, in the national export's own columns (so it re-imports).

Pure shaping of one exported row (repository/exports.py's columns); export_worker.py runs the query and
writes the file in a process of its own.
"""

from backstop_common.privacy import mask_id_number, mask_phone
from backstop_common.vocab import NATIONAL
from registry.vocab import CAUSES

HEADERS = ("县(市、区、旗)", "乡(镇)", "行政村", "村代码", "自然村", "户编号", "人编号", "姓名", "证件号码", "性别",
           "出生日期", "人数", "与户主关系", "民族", "文化程度", "在校生状况", "失学或辍学原因", "健康状况", "残疾等级",
           "劳动技能", "务工状况", "务工时间（月）", "是否参加城乡居民基本医疗保险", "是否参加城乡居民基本养老保险",
           "户类型", "脱贫年度", "是否享受低保", "是否特困供养人员", "监测对象类别", "风险是否消除", "风险识别时间",
           "风险消除时间", "致贫原因1", "住房安全等级", "饮水安全", "人均纯收入", "户联系电话", "人联系电话")
#: codes as the national system writes them (backstop_common.vocab.NATIONAL, also in GET /api/v1/vocab)
STATUS, CATEGORY, STAGE = NATIONAL["poverty_status"], NATIONAL["category"], NATIONAL["schooling_stage"]
HEALTH, LABOUR, SEX = NATIONAL["health"], NATIONAL["labour"], NATIONAL["sex"]
WORK = {**NATIONAL["employment"], "none": ""}
GRADE = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


def _yes(value: bool | None) -> str:
    return "" if value is None else "是" if value else "否"


def _health(health: str, disability_grade: int) -> str:
    parts = [HEALTH[health]] if health != "healthy" or not disability_grade else []
    return ",".join(parts + (["残疾"] if disability_grade else []))


def _schooling(stage: str | None, status: str | None) -> str:
    return "学龄前儿童" if stage == "preschool" and not status else STAGE.get(stage, "")


def _risk(r) -> list:
    """风险是否消除 and its dates, for a monitored household only (blank for the others, as nationally)."""
    if not r["h_monitoring_category"]:
        return ["", "", ""]
    return [_yes(r["h_risk_eliminated"]), *(d.isoformat() if d else "" for d in
                                             (r["h_risk_identified_on"], r["h_risk_eliminated_on"]))]


def export_row(r, unmasked: bool) -> list:
    """One person's line; ``r`` maps repository/exports.py's labels (``h_…`` household, ``m_…`` member)."""
    income = r["h_per_capita_income"]
    return [r["county"] or "", r["township"] or "", r["village"] or "", r["h_village_code"], r["h_natural_village"],
            r["h_household_number"], r["m_person_number"], r["m_name"],
            r["m_id_number"] if unmasked else mask_id_number(r["m_id_number"]),
            SEX[r["m_sex"]], r["m_birth_date"].isoformat(), r["h_size"], r["m_relation"],
            r["m_ethnicity"], r["m_education"], _schooling(r["m_schooling_stage"], r["m_schooling_status"]),
            "辍学" if r["m_schooling_status"] == "dropped_out" else "",
            _health(r["m_health"], r["m_disability_grade"]), GRADE.get(r["m_disability_grade"], ""),
            LABOUR[r["m_labour_capacity"]], WORK[r["m_employment"]], r["m_migrant_months"],
            _yes(r["m_medical_insurance"]), _yes(r["m_pension"] != "none"), STATUS[r["h_poverty_status"]], r["h_year_lifted"], _yes(r["h_dibao"]),
            _yes(r["h_tekun"]), CATEGORY.get(r["h_monitoring_category"], ""), *_risk(r),
            CAUSES.get(r["h_main_cause"], ""),
            r["h_housing_grade"], _yes(r["h_safe_water"]), str(income) if income is not None else "",
            r["h_phone"] if unmasked else mask_phone(r["h_phone"]),
            r["m_phone"] if unmasked else mask_phone(r["m_phone"])]
