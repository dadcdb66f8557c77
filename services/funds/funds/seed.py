"""DESIGN.md §3 example standards, seeded by the initial migration for the demo county 清河区 (211204)
and as the province default (210000); valid from 2021 until a later year's line replaces them."""

from decimal import Decimal as D

SEED_YEAR = 2021
SEED_AREAS = ("210000000000", "211204000000")

#: (kind, item, amount, rate, threshold, cap)
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
    # medical relief: a share of the yearly compliant self-paid cost above 2,000, capped at 100,000;
    # the share by the household's standing, highest first (50–80 %)
    ("medical_relief", "tekun", None, D("0.80"), D("2000"), D("100000")),
    ("medical_relief", "dibao", None, D("0.70"), D("2000"), D("100000")),
    ("medical_relief", "monitored", None, D("0.60"), D("2000"), D("100000")),
    ("medical_relief", "default", None, D("0.50"), D("2000"), D("100000")),
]

PROJECT_POLICY = {
    "notice_days": 10,
    "stage_days": {"declared": 30, "appraised": 30, "noticed": 30, "listed": 60, "implementing": 365,
                   "accepted": 60},
    "min_return_rate": D("0.10"),
    "investment_per_person": D("20000"),
}
