"""The example checklist of seed 002 (樟树乡 2021 "大排查大巩固大提升" 实施方案), loaded with the demo
county, and the 清河区 2020 annual targets of seed 000 (任务分解, 挂图作战)."""

from datetime import date
from decimal import Decimal

from sqlalchemy.dialects.postgresql import insert

from backstop_common.uow import UnitOfWork
from monitoring.campaigns.models import CheckDefinition, Target

# (code, title, kind, fact, threshold, subject, responsible unit, category)
CHECKLIST_002 = [
    ("duty.village_mechanism", "村(社区)是否健全防止返贫动态监测和帮扶机制、配备专职防贫监测员", "question", None, None,
     "unit", "village", "责任落实"),
    ("duty.department_policies", "乡属相关单位是否对标梳理过渡期调整政策、强化风险预判", "question", None, None,
     "unit", "poverty_office", "责任落实"),
    ("duty.pairing_kept", "是否继续保持与脱贫人口的结对帮扶关系", "question", None, None,
     "household", "organization", "责任落实"),
    ("edu.dropout", "义务教育阶段学龄儿童少年失学辍学", "data", "dropout", None,
     "household", "education", "政策落实"),
    ("edu.aid_paid", "教育资助(雨露计划)是否应助尽助、按时发放", "question", None, None,
     "household", "education", "政策落实"),
    ("med.insured", "脱贫人口和监测对象100%参加城乡居民基本医疗保险", "data", "uninsured", None,
     "household", "health_insurance", "政策落实"),
    ("med.family_doctor", "慢病患者(高血压、糖尿病、结核病、重性精神障碍)家庭医生应签尽签", "question", None, None,
     "household", "health", "政策落实"),
    ("house.safe", "危房住人(住房C/D级)", "data", "unsafe_housing", None, "household", "housing", "政策落实"),
    ("water.safe", "农村饮水安全", "data", "unsafe_water", None, "household", "water", "政策落实"),
    ("dibao.covered", "收入低于监测线未纳入低保/特困(应保尽保)", "data", "income_below_line_no_dibao", None,
     "household", "civil_affairs", "政策落实"),
    ("work.case_plan", "已确认监测对象未制定帮扶计划", "data", "case_without_plan", None,
     "household", "poverty_office", "工作落实"),
    ("work.case_visit", "监测对象本季度未巡访", "data", "case_without_visit_this_quarter", None,
     "household", "village", "工作落实"),
    ("work.relocation", "易地搬迁户是否入住并享受后续扶持(就业、产业、社保至少1项)", "question", None, None,
     "household", "natural_resources", "工作落实"),
    ("work.relocation_support", "易地搬迁户未享受搬迁后续扶持(就业、产业、社会保障至少1项)", "data",
     "relocated_without_support", None, "household", "natural_resources", "工作落实"),
    ("work.employment", "务工受阻脱贫劳动力是否得到就业帮扶", "question", None, None,
     "household", "human_resources", "工作落实"),
    ("work.industry_credit", "有意愿的脱贫户、边缘户是否获得产业帮扶、小额信贷应贷尽贷", "question", None, None,
     "household", "agriculture", "工作落实"),
    ("work.project_library", "衔接资金项目库入库程序是否规范、支出是否及时", "question", None, None,
     "unit", "finance", "工作落实"),
    ("result.income_6500", "一超过: 年人均纯收入超过6500元", "data", "income_below_line", Decimal("6500"),
     "household", "human_resources", "巩固成效"),
]

COUNTY = "211204000000"
#: 清河区 2020 (seed 000): lift 39 households / 85 people (向阳街 1/2, 张相镇 3/6, 聂家满族乡 35/77),
#: industry 85, education 2, health 51 people, housing 21 households (C 13, D 8), 兜底 48 people
TARGETS_2020 = {
    "lift_households": (39, {"211204002000": 1, "211204101000": 3, "211204201000": 35}),
    "lift_people": (85, {"211204002000": 2, "211204101000": 6, "211204201000": 77}),
    "industry": (85, {}), "education": (2, {}), "health": (51, {}),
    "housing": (21, {}), "housing_c": (13, {}), "housing_d": (8, {}), "dibao": (48, {}),
}


async def load_checklist(uow: UnitOfWork) -> None:
    """Seed 002's checks (a no-op for those already there), stamped with the app's clock."""
    now = uow.clock.now()
    rows = [dict(code=c, title=t, kind=k, fact=f, threshold=th, subject=s, responsible_unit=u, category=cat,
                 created_by="seed:002", created_at=now) for c, t, k, f, th, s, u, cat in CHECKLIST_002]
    await uow.session.execute(insert(CheckDefinition).values(rows).on_conflict_do_nothing())


async def load_demo_targets(uow: UnitOfWork) -> None:
    """The county's 2020 targets and their township parts (a no-op when already there)."""
    from monitoring.campaigns.targets import MEASURES, parts_scope

    session, now = uow.session, uow.clock.now()
    for measure, (total, parts) in TARGETS_2020.items():
        base = dict(year=2020, measure=measure, unit=MEASURES[measure][0], starts_on=date(2020, 1, 1),
                    due_on=date(2020, 12, 31), created_by="seed:000", created_at=now, version=1)
        row = await session.execute(insert(Target).values(area_code=COUNTY, scope=parts_scope(COUNTY), target=total,
                                                          **base).on_conflict_do_nothing().returning(Target.id))
        parent = row.scalar_one_or_none()
        for area, n in parts.items() if parent else ():
            await session.execute(insert(Target).values(area_code=area, scope=parts_scope(area), target=n,
                                                        parent_id=parent, **base).on_conflict_do_nothing())
