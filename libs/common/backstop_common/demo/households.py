"""Reproducible households of the demo county, as rows of the national system's person list.

One row per person with the household's fields repeated (national-export-layout.md), so the demo
goes through the same import a county uses for its real exports.
"""

import csv
import io
import random
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from backstop_common.demo import people
from backstop_common.demo.county import Area, areas, villages

HEADERS = [
    "序号", "县(市、区、旗)", "乡(镇)", "行政村", "户编号", "人编号", "姓名", "证件号码", "人数", "与户主关系",
    "性别", "出生日期", "民族", "文化程度", "在校生状况", "健康状况", "劳动技能", "务工状况",
    "是否参加城乡居民基本医疗保险", "主要致贫原因", "危房户", "住房安全等级", "饮水安全", "户类型", "脱贫年度", "是否享受低保",
    "是否特困供养人员", "工资性收入", "生产经营性收入", "财产性收入", "转移性收入", "生产经营性支出", "人均纯收入",
    "联系电话",
]
CAUSES = ["因病", "因残", "因学", "缺劳力", "缺技术", "缺资金", "因灾", "自身发展动力不足"]
CAUSE_WEIGHTS = [30, 15, 8, 12, 15, 12, 3, 5]
SCHOOL_BY_AGE = {6: "小学", 7: "小学", 8: "小学", 9: "小学", 10: "小学", 11: "小学", 12: "七年级",
                 13: "八年级", 14: "九年级", 15: "普通高中一年级", 16: "普通高中二年级", 17: "普通高中三年级"}
TODAY = date(2026, 11, 1)


def _members(rng: random.Random) -> list[tuple[str, int, bool]]:
    """(relation, age, female) for one household."""
    size = rng.choices([1, 2, 3, 4, 5, 6], [10, 25, 30, 20, 10, 5])[0]
    head_age = rng.randint(38, 78)
    members = [("户主", head_age, rng.random() < 0.2)]
    if size >= 2:
        members.append(("配偶", max(20, head_age + rng.randint(-4, 3)), not members[0][2]))
    for _ in range(size - len(members)):
        if head_age > 60 and rng.random() < 0.5:
            members.append((rng.choice(["之孙子", "之孙女"]), rng.randint(3, 16), rng.random() < 0.5))
        else:
            female = rng.random() < 0.5
            members.append(("之女" if female else "之子", max(1, head_age - rng.randint(22, 32)), female))
    return members


def _incomes(rng: random.Random, size: int) -> dict[str, Decimal]:
    per_capita = Decimal(round(rng.lognormvariate(9.55, 0.3)))  # median ≈ 14,000 yuan
    if rng.random() < 0.04:
        per_capita = Decimal(rng.randint(3200, 5900))  # the ones monitoring must catch
    net = per_capita * size
    wage = (net * Decimal(rng.uniform(0.4, 0.7))).quantize(Decimal("1"))
    transfer = (net * Decimal(rng.uniform(0.1, 0.25))).quantize(Decimal("1"))
    prop = (net * Decimal("0.03")).quantize(Decimal("1"))
    costs = Decimal(rng.randint(500, 3000))
    business = net - wage - transfer - prop + costs
    return {"wage": wage, "business": business, "property": prop, "transfer": transfer, "costs": costs,
            "per_capita": ((wage + business + prop + transfer - costs) / size).quantize(Decimal("0.01"))}


def _unique_id(rng: random.Random, birth: date, female: bool, issued: set[str]) -> str:
    while (number := people.resident_id(rng, birth, female)) in issued:
        pass
    issued.add(number)
    return number


def household_rows(n: int, seed: int = 2020, first: int = 0) -> Iterator[list[str]]:
    """n households; `first` shifts their numbers (户编号) so two files loaded into one county don't collide."""
    rng = random.Random(seed)
    by_code = {a.code: a for a in areas()}
    village_list = villages()
    row_no = first * 8  # member numbers (人编号) shifted with the households (at most 8 members each)
    issued: set[str] = set()
    for h in range(first, first + n):
        village: Area = village_list[h % len(village_list)]
        township = by_code[village.parent_code]
        number = f"8{village.code[6:12]}{h:07d}"  # 14-digit 户编号
        members = _members(rng)
        income = _incomes(rng, len(members))
        lifted = rng.random() < 0.85
        housing = rng.choices(["A", "B", "C", "D"], [700, 275, 20, 5])[0]
        water = "是" if rng.random() < 0.985 else "否"
        dibao = "是" if income["per_capita"] < 4400 or rng.random() < 0.05 else "否"
        cause = rng.choices(CAUSES, CAUSE_WEIGHTS)[0]
        phone = people.phone(rng)
        surname = rng.choice(people.SURNAMES)
        for m, (relation, age, female) in enumerate(members):
            row_no += 1
            birth = people.birth_date(rng, age, TODAY)
            school = SCHOOL_BY_AGE.get(age, "") if age < 18 else ""
            if school and rng.random() < 0.005:
                school = ""  # a dropout: neither education nor school stage
            health = rng.choices(["健康", "长期慢性病", "患有大病", "残疾"], [86, 8, 2, 4])[0]
            labour = ("无劳动力" if age < 16 or age > 75 or health == "患有大病"
                      else "弱劳动力或半劳动力" if age > 65 or health != "健康" else "普通劳动力")
            yield [
                str(row_no), "清河区", township.name, village.name, number, f"9{village.code[6:12]}{row_no:07d}",
                people.name(rng, surname if relation in ("户主", "之子", "之女", "之孙子", "之孙女") else None),
                _unique_id(rng, birth, female, issued), str(len(members)), relation,
                "女" if female else "男", birth.isoformat(), "汉族" if rng.random() < 0.8 else "满族",
                "" if school or age < 6 else rng.choice(["小学", "初中", "初中", "高中"]), school, health, labour,
                rng.choice(["乡（镇）内务工", "县外省内务工", "省外务工", "其他"]) if labour == "普通劳动力" else "",
                "是" if rng.random() < 0.992 else "否", cause, "是" if housing in "CD" else "否", housing, water, "脱贫户" if lifted else "一般农户",
                str(rng.randint(2016, 2020)) if lifted else "", dibao, "否",
                str(income["wage"]), str(income["business"]), str(income["property"]), str(income["transfer"]),
                str(income["costs"]), str(income["per_capita"]), phone,
            ]


def household_csv(n: int, seed: int = 2020, first: int = 0) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(household_rows(n, seed, first))
    return buffer.getvalue().encode("utf-8")
