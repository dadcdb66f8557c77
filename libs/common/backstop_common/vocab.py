"""The vocabulary: every code value the services answer with, and its label in Chinese and English.

Codes stay English on the wire; people read the labels. One source for the console (``label``) and for
each service's ``GET /api/v1/vocab`` (issue 14). The English label is written out where the code says
nothing to a reader (the national risk-type numbers, the housing grades); otherwise it is the code in words.
"""

from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from fastapi import APIRouter

ZH: dict[str, dict[str, str]] = {
    "role": {"county_admin": "区县管理员", "county_staff": "区县乡村振兴局", "township_staff": "乡镇工作人员",
             "village_cadre": "村干部", "helper": "帮扶责任人", "department": "行业部门", "auditor": "审计人员",
             "system": "外部系统"},
    "department": {"health": "卫健局", "health_insurance": "医保局", "education": "教育局", "housing": "住建局",
                   "civil_affairs": "民政局", "human_resources": "人社局", "poverty_office": "乡村振兴局",
                   "public_security": "公安局", "disabled_federation": "残联", "water": "水利局"},
    "stage": {"opened": "待核实", "verified": "已入户核实", "notice_posted": "村内公示中", "reviewed": "乡镇已审核",
              "confirmed": "已纳入监测", "rejected": "未纳入", "elimination_proposed": "风险消除待审批",
              "eliminated": "风险已消除"},
    "category": {"unstable_lifted": "脱贫不稳定户", "marginal": "边缘易致贫户", "sudden_hardship": "突发严重困难户"},
    "risk_type": {"01": "因病", "0201": "因洪涝灾害", "0202": "因地质灾害", "0203": "因旱灾", "0204": "因生物灾害",
                  "0205": "因气象灾害", "0206": "因地震", "0299": "因其他灾害", "03": "因残", "04": "缺劳动力",
                  "05": "因意外事故", "06": "因产业失败", "07": "因务工就业不稳", "09": "因学", "99": "其他",
                  "housing": "住房不安全", "water": "饮水不安全", "education": "义务教育辍学",
                  "insurance": "未参加基本医保", "food": "不愁吃未保障", "clothing": "不愁穿未保障"},
    #: the screening rule (筛查规则) that fired a risk signal (monitoring ``domain/rules.py``; ``risk.detected``'s rule)
    "rule": {"income_below_line": "人均纯收入低于监测线", "income_drop": "收入大幅减少", "medical_cost": "医疗自付费用过高",
             "major_illness": "患大病", "disability": "残疾", "dropout": "义务教育辍学", "job_lost": "失业",
             "pension_stopped": "养老金停发", "uninsured": "未参加基本医保", "unsafe_housing": "住房不安全",
             "unsafe_water": "饮水不安全", "food_insecure": "吃饭无保障", "clothing_insecure": "穿衣无保障",
             "disaster_loss": "灾害损失", "dibao_lapsed": "低保退出", "self_declared": "农户自主申报",
             "reported_application": "农户申报", "reported_visit": "干部排查发现", "reported_department": "部门预警"},
    "source": {"event": "部门数据比对", "application": "农户申报", "visit": "干部排查", "department": "部门预警",
               "rescreen": "政策调整重新筛查", "import": "全国防返贫监测系统导入"},
    "action": {"verify": "入户核实", "post-notice": "民主评议并村内公示", "review": "乡镇审核", "confirm": "县级审批", "object": "风险消除公示异议",
               "reject": "不予纳入", "plan": "制定帮扶措施", "visit": "记录走访", "propose-elimination": "提出风险消除",
               "eliminate": "批准风险消除", "reopen": "重新纳入", "open": "发现风险", "opened": "发现风险",
               "import": "全国系统导入"},
    "due_step": {"verify": "入户核实", "notice": "村内公示", "review": "乡镇审核", "confirm": "县级审批",
                 "plan": "制定帮扶措施", "visit": "季度走访", "decision": "15天内作出认定"},
    "poverty_status": {"never_poor": "一般农户", "poor": "未脱贫户", "lifted": "脱贫户"},
    "sex": {"male": "男", "female": "女"},
    "health": {"healthy": "健康", "chronic": "长期慢性病", "major_illness": "患有大病"},
    "labour": {"full": "有劳动能力", "partial": "弱劳动能力", "none": "无劳动能力"},
    "employment": {"local": "本地务工", "migrant": "外出务工", "public_welfare": "公益岗位", "none": "未就业"},
    "pension": {"none": "未参加基本养老保险", "contributing": "参保缴费", "receiving": "领取养老金"},
    "schooling_stage": {"preschool": "学前", "primary": "小学", "junior": "初中", "senior": "高中",
                        "vocational": "中职", "college": "专科", "university": "大学", "none": "—"},
    "schooling_status": {"enrolled": "在校", "dropped_out": "辍学", "graduated": "已毕业"},
    "removal": {"death": "死亡", "marriage_out": "婚出", "migration": "迁出", "other": "其他"},
    "measure": {"industry": "产业帮扶", "employment": "就业帮扶", "education": "教育帮扶", "health": "健康帮扶",
                "housing": "住房保障", "dibao": "低保兜底", "finance": "金融帮扶", "other": "其他帮扶"},
    "cause": {"illness": "因病", "disability": "因残", "schooling": "因学", "disaster": "因灾",
              "lack_of_labour": "缺劳力", "accident": "因意外事故", "failed_business": "因产业失败",
              "unstable_work": "因务工就业不稳", "lack_of_land": "缺土地", "lack_of_water": "缺水",
              "lack_of_skills": "缺技术", "lack_of_capital": "缺资金", "poor_transport": "交通条件落后",
              "lack_of_motivation": "自身发展动力不足", "marriage": "因婚", "funeral": "因丧",
              "housing": "因安全住房", "water": "因安全饮水", "other": "其他"},
    "fund_source": {"central": "中央财政资金", "provincial": "省级财政资金", "municipal": "市级财政资金",
                    "county": "县级财政资金", "linkage": "衔接资金", "integrated_agricultural": "统筹整合涉农资金",
                    "donation": "社会捐赠"},
    "project_type": {"industry": "产业发展", "employment_workshop": "就业帮扶车间", "road": "农村道路",
                     "water": "安全饮水", "power": "农村电网", "network": "通信网络", "housing_renovation": "危房改造",
                     "education": "教育", "health": "医疗卫生", "relocation": "易地搬迁",
                     "ecological_compensation": "生态补偿", "other": "其他"},
    "project_stage": {"declared": "申报", "appraised": "论证", "noticed": "公示", "listed": "入库",
                      "implementing": "实施", "accepted": "验收", "handed_over": "资产移交"},
    "project_action": {"appraise": "论证通过", "post-notice": "发布公示", "list": "纳入项目库", "implement": "开工实施",
                       "accept": "竣工验收", "hand-over": "资产移交"},
    "public_subsidy": {"housing_renovation": "危房改造补助", "education": "教育资助", "assistance": "困难救助"},
    "subsidy_kind": {"housing_renovation": "危房改造补助", "education": "教育资助", "medical_relief": "医疗救助",
                     "medical_insurance": "参保补贴"},
    "anomaly": {"unknown_beneficiary": "收款人不在册", "deceased_beneficiary": "收款人已死亡",
                "duplicate_payment": "重复发放", "over_allocation": "超计划支出",
                "unspent_past_deadline": "资金逾期未支出", "stage_overdue": "项目环节超期",
                "idle_allocation": "资金闲置未分配"},
    "problem_status": {"opened": "待整改", "in_progress": "整改中", "rectified": "已整改待验收", "verified": "已验收",
                       "deferred": "暂缓整改", "closed": "已销号"},
    "problem_action": {"open": "发现问题", "start": "开始整改", "rectify": "填报整改结果", "defer": "暂缓整改（备案）",
                       "resume": "恢复整改", "verify": "验收", "reject": "验收不通过", "close": "销号"},
    "unit": {"education": "教育局 / 学区", "health_insurance": "医疗保障局 / 医保办", "health": "卫生健康局 / 卫生院",
             "housing": "住建局 / 规划所", "water": "水利局 / 水管站", "civil_affairs": "民政局 / 民政办",
             "human_resources": "人社局 / 人社站", "agriculture": "农业农村局 / 农技站", "finance": "财政局 / 财政所",
             "natural_resources": "自然资源局 / 国土所", "organization": "组织部 / 组织室", "rural_bank": "农商行",
             "poverty_office": "乡村振兴局 / 扶贫办", "village": "村(社区)两委"},
    "target_measure": {"lift_households": "脱贫户数", "lift_people": "脱贫人数", "industry": "产业扶持一批",
                       "employment": "就业扶持一批", "education": "教育扶持一批", "health": "医疗扶持一批",
                       "dibao": "社会保障兜底一批", "finance": "金融扶持", "housing": "危房改造(合计)",
                       "housing_c": "危房改造 C级", "housing_d": "危房改造 D级"},
    "housing_grade": {"A": "A级（安全）", "B": "B级（基本安全）", "C": "C级（局部危房）", "D": "D级（整栋危房）"},
    "level": {"county": "区县", "township": "乡镇", "village": "村"},
}

EN: dict[str, dict[str, str]] = {
    "risk_type": {"01": "Illness", "0201": "Flood", "0202": "Geological disaster", "0203": "Drought",
                  "0204": "Biological disaster", "0205": "Weather disaster", "0206": "Earthquake",
                  "0299": "Other disaster", "03": "Disability", "04": "Lack of labour", "05": "Accident",
                  "06": "Failed business", "07": "Unstable work", "09": "Schooling", "99": "Other",
                  "housing": "Unsafe housing", "water": "Unsafe drinking water", "education": "Dropped out of compulsory school",
                  "insurance": "No basic medical insurance", "food": "Food not assured", "clothing": "Clothing not assured"},
    "housing_grade": {"A": "Grade A (safe)", "B": "Grade B (basically safe)", "C": "Grade C (partly dangerous)",
                      "D": "Grade D (dangerous)"},
    "role": {"county_admin": "County administrator", "county_staff": "County rural revitalisation bureau",
             "township_staff": "Township staff", "village_cadre": "Village cadre", "helper": "Assigned helper",
             "department": "Line department", "auditor": "Auditor", "system": "External system"},
    "stage": {"notice_posted": "Village notice posted", "elimination_proposed": "Risk elimination proposed",
              "eliminated": "Risk eliminated"},
    "schooling_stage": {"junior": "Junior secondary", "senior": "Senior secondary", "none": "None"},
    "unit": {"village": "Village committee"},
    "due_step": {"decision": "Decision within 15 days"},
    "source": {"import": "Imported from the national monitoring system"},
    "rule": {"income_below_line": "Per-capita income below the monitoring line", "income_drop": "Income fell sharply",
             "medical_cost": "High self-paid medical cost", "dibao_lapsed": "Left subsistence allowance (dibao)",
             "reported_visit": "Found on a cadre's visit", "reported_department": "Reported by a department"},
    "department": {"disabled_federation": "Disabled persons' federation"},
    "level": {"village": "Village"},
    "pension": {"none": "No basic pension insurance", "contributing": "Paying into the basic pension",
                "receiving": "Drawing a pension"},
}

#: the national system's value for a code, where it has one (shared/national-export-layout.md): the text its
#: exports write (户类型, 健康状况, 劳动技能, 务工状况, 在校生状况, 致贫原因 …) or its own code (risk types)
NATIONAL: dict[str, dict[str, str]] = {
    "poverty_status": {"lifted": "脱贫户", "never_poor": "一般农户", "poor": "贫困户"},
    "category": {"unstable_lifted": "脱贫不稳定户", "marginal": "边缘易致贫户", "sudden_hardship": "突发严重困难户"},
    "risk_type": {code: code for code in ZH["risk_type"] if code.isdigit()},
    "sex": {"male": "男", "female": "女"},
    "health": {"healthy": "健康", "chronic": "长期慢性病", "major_illness": "患有大病"},
    "labour": {"full": "普通劳动力", "partial": "弱劳动力或半劳动力", "none": "无劳动力"},
    "employment": {"local": "乡(镇)内务工", "migrant": "县外省内务工", "public_welfare": "公益性岗位"},
    "schooling_stage": {"preschool": "学前教育", "primary": "小学", "junior": "初中", "senior": "普通高中",
                        "vocational": "中职", "college": "专科", "university": "本科"},
    "cause": {"illness": "因病", "disability": "因残", "schooling": "因学", "disaster": "因灾",
              "lack_of_labour": "缺劳力", "accident": "因意外事故", "failed_business": "因产业失败",
              "unstable_work": "因务工就业不稳", "lack_of_land": "缺土地", "lack_of_water": "缺水",
              "lack_of_skills": "缺技术", "lack_of_capital": "缺资金", "poor_transport": "交通条件落后",
              "lack_of_motivation": "自身发展动力不足", "marriage": "因婚", "funeral": "因丧",
              "housing": "因安全住房", "water": "因安全饮水", "other": "其他"},
    "housing_grade": {"A": "A", "B": "B", "C": "C", "D": "D"},
}

#: the vocabularies each service's answers use (GET /api/v1/vocab); the console reads them all
SERVICE_KINDS: dict[str, tuple[str, ...]] = {
    "registry": ("role", "poverty_status", "sex", "health", "labour", "employment", "pension", "schooling_stage",
                 "schooling_status", "removal", "measure", "cause", "risk_type", "housing_grade", "level"),
    "monitoring": ("role", "department", "stage", "category", "risk_type", "rule", "source", "action", "due_step",
                   "measure", "problem_status", "problem_action", "unit", "target_measure", "housing_grade", "level"),
    "funds": ("role", "fund_source", "project_type", "project_stage", "project_action", "public_subsidy",
              "subsidy_kind", "anomaly", "measure", "level"),
    "notifications": ("role", "department", "unit", "level", "rule"),
}


def english(kind: str, code: str) -> str:
    found = EN.get(kind, {}).get(code)
    return found or code.replace("_", " ").replace("-", " ").capitalize()


class Label(BaseModel):
    zh: str
    en: str
    national: str | None = None  # the national system's value, where it has one (NATIONAL)


def vocabulary(kinds: tuple[str, ...] | None = None) -> dict[str, dict[str, Label]]:
    return {kind: {code: Label(zh=zh, en=english(kind, code), national=NATIONAL.get(kind, {}).get(code))
                   for code, zh in ZH[kind].items()}
            for kind in (kinds or tuple(ZH))}


def vocab_router(service: str) -> "APIRouter":
    """``GET /api/v1/vocab``: every code this service answers with → its Chinese and English label."""
    # imported here: the code lists alone are read where FastAPI is not (the registry's import worker)
    from fastapi import APIRouter  # noqa: PLC0415

    router = APIRouter(tags=["vocab"])
    answer = vocabulary(SERVICE_KINDS.get(service))

    @router.get("/vocab", summary="代码表（词汇）: every code and its {zh, en} label", response_model_exclude_none=True)
    async def read() -> dict[str, dict[str, Label]]:
        """代码表 — every code and its {zh, en} label.

        Every code value this service answers with (causes, categories, stages …), each with its Chinese and
        English label and, where one exists, the national system's code."""
        return answer

    return router
