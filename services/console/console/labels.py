"""The console's message catalogue: a Chinese label for every code value the services answer with.

Codes stay English on the wire; a user never sees one. A code missing here is shown as 其他 and logged,
so a new code in a service shows up in the logs instead of on a screen in English.
"""

import structlog

from backstop_common.vocab import ZH

log = structlog.get_logger()

#: the household file's change history (registry's 变更记录): what was changed, how, and which field
HISTORY = {
    "history_entity": {"household": "户信息", "member": "家庭成员", "income_assessment": "收入核算",
                       "housing_assessment": "住房安全鉴定", "water_assessment": "饮水安全评估", "disaster": "灾情",
                       "helper": "帮扶责任人", "measure": "帮扶措施"},
    "history_action": {"registered": "登记", "imported": "导入", "created": "新建", "added": "新增", "updated": "修改",
                       "removed": "减员", "assessed": "核定", "reported": "报告", "assigned": "结对", "given": "落实",
                       "head_changed": "变更户主", "monitoring_status": "更新监测状态", "status_changed": "变更属性"},
    "field": {"poverty_status": "属性", "year_lifted": "脱贫年度", "dibao": "低保", "tekun": "特困",
              "monitoring_category": "监测类别", "main_cause": "主要致贫原因", "other_causes": "其他致贫原因",
              "housing_grade": "住房安全等级", "safe_water": "饮水安全", "food_secure": "不愁吃", "clothing_secure": "不愁穿",
              "relocated": "易地搬迁", "phone": "联系电话", "address": "住址", "tags": "标签", "size": "人口",
              "per_capita_income": "人均纯收入", "name": "姓名", "id_number": "身份证号", "relation": "与户主关系",
              "is_head": "户主", "sex": "性别", "birth_date": "出生日期", "health": "健康状况", "illness": "疾病",
              "disability_grade": "残疾等级", "labour_capacity": "劳动能力", "employment": "就业情况",
              "migrant_months": "务工时间（月）", "medical_insurance": "基本医保", "schooling_stage": "在校阶段",
              "schooling_status": "在校情况", "education": "文化程度", "removed_on": "减员日期",
              "removed_reason": "减员原因", "risk_identified_on": "风险识别日期", "risk_eliminated_on": "风险消除日期",
              "pension": "基本养老保险", "pension_monthly": "养老金（元/月）"},
}
#: a changed field whose values are codes of a vocabulary (shown as their labels)
FIELD_KINDS = {"poverty_status": "poverty_status", "monitoring_category": "category", "main_cause": "cause",
               "other_causes": "cause", "housing_grade": "housing_grade", "sex": "sex", "health": "health",
               "labour_capacity": "labour", "employment": "employment", "schooling_stage": "schooling_stage",
               "schooling_status": "schooling_status", "removed_reason": "removal", "pension": "pension"}

#: the Chinese labels: one source with the services' GET /api/v1/vocab (backstop_common.vocab), and the history's
LABELS: dict[str, dict[str, str]] = ZH | HISTORY

FALLBACK = "其他"


def label(kind: str, code: str | None) -> str:
    """The Chinese label of ``code`` in vocabulary ``kind``; never the code itself."""
    if code is None or code == "":
        return "—"
    found = LABELS.get(kind, {}).get(str(code))
    if found is None:
        log.warning("console.label_missing", kind=kind, code=str(code))
        return FALLBACK
    return found
