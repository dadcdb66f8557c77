"""The standards funds starts with, each from a county plan in ../shared/seeds (docs/funds.md says which).

Valid from 2021 (the transition period's first year, ``FIRST_POLICY_YEAR``) until a later year's line
replaces them. The plans are from 2019 (本溪县, seed 003) and 2020 (清河区, seed 000); their figures are
the lines in force when the transition began.
"""

from decimal import Decimal as D

SEED_YEAR = 2021
SEED_AREAS = ("210000000000", "211204000000")
PROVINCE = "210000000000"        # 辽宁省: the default for a county that sets no line of its own
QINGHE = "211204000000"          # 清河区 (铁岭市), the demo county
QINGHE_STREETS = ("211204001000", "211204002000")  # 红旗街道, 向阳街道: its urban areas (城市)

#: What the initial revision (bb1704dbaeb5) seeded in both SEED_AREAS: docs/contract.md §3's examples, some from
#: no seed (university 5,000 flat; primary 500 / junior 750). Revision 5e2c0b7d9a41 removes the lines an
#: office has not changed since and seeds SEED_LINES instead. (kind, item, amount, rate, threshold, cap)
STANDARD_LINES = [
    ("housing_renovation", "C", D("5000"), None, None, None),
    ("housing_renovation", "D", D("45000"), None, None, None),
    ("education", "preschool", D("1200"), None, None, None),
    ("education", "primary_boarding", D("1000"), None, None, None),
    ("education", "junior_boarding", D("1250"), None, None, None),
    ("education", "primary", D("500"), None, None, None),
    ("education", "junior", D("750"), None, None, None),
    ("education", "senior", D("2000"), None, None, None),
    ("education", "vocational", D("3000"), None, None, None),
    ("education", "university", D("5000"), None, None, None),
    ("medical_relief", "tekun", None, D("0.80"), D("2000"), D("100000")),
    ("medical_relief", "dibao", None, D("0.70"), D("2000"), D("100000")),
    ("medical_relief", "monitored", None, D("0.60"), D("2000"), D("100000")),
    ("medical_relief", "default", None, D("0.50"), D("2000"), D("100000")),
]

S003 = "seed 003 (本溪县 2019)"
S000 = "seed 000 (清河区 2020)"
EXAMPLE = "example, no seed (seed 003 gives the range 50–80 % for everyone)"

#: (area_code, kind, item, amount, rate, threshold, cap, where the figure comes from)
SEED_LINES = [
    # 本溪县 is a Liaoning county: its plan is the province default until a county sets its own lines
    (PROVINCE, "housing_renovation", "C", D("5000"), None, None, None, S003 + ": C级0.5万元"),
    (PROVINCE, "housing_renovation", "D", D("45000"), None, None, None, S003 + ": D级4.5万元"),
    (PROVINCE, "education", "preschool", D("1200"), None, None, None, S003 + ": 在园幼儿每人每年1200元"),
    (PROVINCE, "education", "primary", D("500"), None, None, None, S003 + ": 非寄宿生每人每年500元"),
    (PROVINCE, "education", "junior", D("500"), None, None, None, S003 + ": 非寄宿生每人每年500元"),
    (PROVINCE, "education", "primary_boarding", D("1000"), None, None, None, S003 + ": 小学寄宿生1000元"),
    (PROVINCE, "education", "junior_boarding", D("1250"), None, None, None, S003 + ": 初中寄宿生1250元"),
    (PROVINCE, "education", "senior", D("2000"), None, None, None, S003 + ": 在校高中生每人每年2000元"),
    (PROVINCE, "education", "vocational", D("3000"), None, None, None, S003 + ": 中职、高职在校生3000元"),
    (PROVINCE, "education", "college", D("4000"), None, None, None, S003 + ": 专科生每人每年4000元"),
    (PROVINCE, "education", "university", D("6000"), None, None, None, S003 + ": 在校大学生每人每年6000元"),
    (PROVINCE, "medical_relief", "tekun", None, D("0.80"), D("2000"), D("100000"), EXAMPLE),
    (PROVINCE, "medical_relief", "dibao", None, D("0.70"), D("2000"), D("100000"), EXAMPLE),
    (PROVINCE, "medical_relief", "monitored", None, D("0.60"), D("2000"), D("100000"), EXAMPLE),
    (PROVINCE, "medical_relief", "default", None, D("0.50"), D("2000"), D("100000"), EXAMPLE),
    (PROVINCE, "medical_insurance", "individual", D("260"), None, None, None,
     S003 + ": 每人260元标准参加新农合和大病保险"),
    # 清河区's own plan where it names a figure; the rest falls back to the province default
    (QINGHE, "education", "preschool", D("1200"), None, None, None, S000 + ": 学前教育农村每生每年1200元"),
    (QINGHE, "education", "primary", D("750"), None, None, None, S000 + ": 非寄宿学生每生每年750元"),
    (QINGHE, "education", "junior", D("750"), None, None, None, S000 + ": 非寄宿学生每生每年750元"),
    (QINGHE, "education", "primary_boarding", D("1000"), None, None, None, S000 + ": 小学阶段每生每年1000元"),
    (QINGHE, "education", "junior_boarding", D("1250"), None, None, None, S000 + ": 初中阶段每生每年1250元"),
    (QINGHE, "education", "senior", D("2000"), None, None, None, S000 + ": 国家助学金每生每年2000元"),
    (QINGHE, "education", "vocational", D("3000"), None, None, None, S000 + ": 中等职业教育每生每年3000元"),
    *((street, "education", "preschool", D("2400"), None, None, None, S000 + ": 城市按照每生每年2400元")
      for street in QINGHE_STREETS),
]

PROJECT_POLICY = {
    "notice_days": 10,
    "stage_days": {"declared": 30, "appraised": 30, "noticed": 30, "listed": 60, "implementing": 365,
                   "accepted": 60},
    "min_return_rate": D("0.10"),
    "investment_per_person": D("20000"),
}
