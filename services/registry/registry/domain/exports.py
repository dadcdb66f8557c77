"""The household/member list back to XLSX, in the national export's own columns (so it re-imports)."""

import asyncio

from backstop_common.auth import Principal
from backstop_common.privacy import mask_id_number, mask_phone
from backstop_common.xlsx import write_xlsx
from registry.domain.views import log_unmasked_reads
from registry.domain.vocab import CAUSES
from registry.repository import areas
from registry.repository.filters import HouseholdFilter
from registry.repository.households import export_rows

HEADERS = ("县(市、区、旗)", "乡(镇)", "行政村", "村代码", "自然村", "户编号", "人编号", "姓名", "证件号码", "性别",
           "出生日期", "人数", "与户主关系", "民族", "文化程度", "在校生状况", "失学或辍学原因", "健康状况", "残疾等级",
           "劳动技能", "务工状况", "务工时间（月）", "是否参加城乡居民基本医疗保险", "户类型", "脱贫年度", "是否享受低保",
           "是否特困供养人员", "监测对象类别", "致贫原因1", "住房安全等级", "饮水安全", "人均纯收入", "户联系电话",
           "人联系电话")
STATUS = {"lifted": "脱贫户", "never_poor": "一般农户", "poor": "贫困户"}
CATEGORY = {"unstable_lifted": "脱贫不稳定户", "marginal": "边缘易致贫户", "sudden_hardship": "突发严重困难户"}
STAGE = {"preschool": "学前教育", "primary": "小学", "junior": "初中", "senior": "普通高中", "vocational": "中职",
         "university": "本科"}
HEALTH = {"healthy": "健康", "chronic": "长期慢性病", "major_illness": "患有大病"}
LABOUR = {"full": "普通劳动力", "partial": "弱劳动力或半劳动力", "none": "无劳动力"}
WORK = {"local": "乡(镇)内务工", "migrant": "县外省内务工", "public_welfare": "公益性岗位", "none": ""}
GRADE = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


def _yes(value: bool | None) -> str:
    return "" if value is None else "是" if value else "否"


def _health(m) -> str:
    parts = [HEALTH[m.health]] if m.health != "healthy" or not m.disability_grade else []
    return ",".join(parts + (["残疾"] if m.disability_grade else []))


def _row(h, m, names: dict, unmasked: bool) -> list:
    county, township, village = names.get(h.village_code, ("", "", ""))
    schooling = "学龄前儿童" if m.schooling_stage == "preschool" and not m.schooling_status else \
        STAGE.get(m.schooling_stage, "")
    return [county, township, village, h.village_code, h.natural_village, h.household_number, m.person_number,
            m.name, m.id_number if unmasked else mask_id_number(m.id_number), "男" if m.sex == "male" else "女",
            m.birth_date.isoformat(), h.size, m.relation, m.ethnicity, m.education, schooling,
            "辍学" if m.schooling_status == "dropped_out" else "", _health(m), GRADE.get(m.disability_grade, ""),
            LABOUR[m.labour_capacity], WORK[m.employment], m.migrant_months, _yes(m.medical_insurance),
            STATUS[h.poverty_status], h.year_lifted, _yes(h.dibao), _yes(h.tekun),
            CATEGORY.get(h.monitoring_category, ""), CAUSES.get(h.main_cause, ""), h.housing_grade,
            _yes(h.safe_water), str(h.per_capita_income) if h.per_capita_income is not None else "",
            h.phone if unmasked else mask_phone(h.phone), m.phone if unmasked else mask_phone(m.phone)]


async def export_xlsx(session, principal: Principal, f: HouseholdFilter, path: str, limit: int = 1_000_000
                      ) -> bytes:
    names = {code: (county or "", township or "", name)
             for code, name, township, county in await areas.villages_in(session, principal.scope)}
    unmasked, rows, households = principal.sees_identifiers, [], []
    async for h, m in export_rows(session, f, limit):
        rows.append(_row(h, m, names, unmasked))
        if not households or households[-1] != h.id:
            households.append(h.id)
    await log_unmasked_reads(session, principal, households, path)
    return await asyncio.to_thread(write_xlsx, HEADERS, rows, "households")
