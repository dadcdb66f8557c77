"""The closed vocabularies of funds (each is also a CHECK constraint in the database)."""

from enum import StrEnum


class Source(StrEnum):
    """资金来源."""

    CENTRAL = "central"                  # 中央财政
    PROVINCIAL = "provincial"            # 省级财政
    MUNICIPAL = "municipal"              # 市级财政
    COUNTY = "county"                    # 县级财政
    LINKAGE = "linkage"                  # 衔接推进乡村振兴补助资金 (衔接资金)
    INTEGRATED_AGRICULTURAL = "integrated_agricultural"  # 统筹整合涉农资金
    DONATION = "donation"                # 社会捐赠


SOURCE_LABELS = {
    Source.CENTRAL: "中央财政资金", Source.PROVINCIAL: "省级财政资金", Source.MUNICIPAL: "市级财政资金",
    Source.COUNTY: "县级财政资金", Source.LINKAGE: "衔接资金", Source.INTEGRATED_AGRICULTURAL: "统筹整合涉农资金",
    Source.DONATION: "社会捐赠",
}


class ProjectType(StrEnum):
    INDUSTRY = "industry"                          # 产业发展
    EMPLOYMENT_WORKSHOP = "employment_workshop"    # 就业帮扶车间
    ROAD = "road"
    WATER = "water"
    POWER = "power"
    NETWORK = "network"
    HOUSING_RENOVATION = "housing_renovation"      # 危房改造
    EDUCATION = "education"
    HEALTH = "health"
    RELOCATION = "relocation"                      # 易地扶贫搬迁 and its follow-up support (后续扶持)
    ECOLOGICAL_COMPENSATION = "ecological_compensation"  # 生态补偿 (公益林补偿, 生态护林员 …)
    OTHER = "other"


class Stage(StrEnum):
    """项目库 stages, in order."""

    DECLARED = "declared"        # 申报
    APPRAISED = "appraised"      # 论证
    NOTICED = "noticed"          # 公示 (公告公示)
    LISTED = "listed"            # 入库
    IMPLEMENTING = "implementing"  # 实施
    ACCEPTED = "accepted"        # 验收
    HANDED_OVER = "handed_over"  # 资产移交


STAGE_ORDER = list(Stage)
STAGE_LABELS = {Stage.DECLARED: "申报", Stage.APPRAISED: "论证", Stage.NOTICED: "公示", Stage.LISTED: "入库",
                Stage.IMPLEMENTING: "实施", Stage.ACCEPTED: "验收", Stage.HANDED_OVER: "资产移交"}
#: POST /projects/{id}/{action} -> the stage it moves to
ACTIONS = {"appraise": Stage.APPRAISED, "post-notice": Stage.NOTICED, "list": Stage.LISTED,
           "implement": Stage.IMPLEMENTING, "accept": Stage.ACCEPTED, "hand-over": Stage.HANDED_OVER}


class Benefit(StrEnum):
    """How a household benefits from a project (联农带农)."""

    DIVIDEND_SHARE = "dividend_share"
    JOB = "job"
    DIRECT_AID = "direct_aid"


class SubsidyKind(StrEnum):
    HOUSING_RENOVATION = "housing_renovation"
    EDUCATION = "education"
    MEDICAL_RELIEF = "medical_relief"
    MEDICAL_INSURANCE = "medical_insurance"   # 参保补贴: the individual premium of each insured member


#: medical relief lines by the household's standing, highest first (特困, 低保, monitored, everyone else)
MEDICAL_ORDER = ("tekun", "dibao", "monitored", "default")
#: the lines a subsidy standard may set, by kind: the items the amounts are computed from
#: (housing: the dangerous-house grades that get aid; education: the registry's schooling stages, with
#: boarding variants; medical relief: the household's standing)
STANDARD_ITEMS: dict[SubsidyKind, tuple[str, ...]] = {
    SubsidyKind.HOUSING_RENOVATION: ("C", "D"),
    SubsidyKind.EDUCATION: ("preschool", "primary", "primary_boarding", "junior", "junior_boarding", "senior",
                            "vocational", "college", "university"),
    SubsidyKind.MEDICAL_RELIEF: MEDICAL_ORDER,
    SubsidyKind.MEDICAL_INSURANCE: ("individual",),
}
#: a rate-based kind computes min(cap, (cost − threshold) × rate); the others pay a fixed amount
RATE_KINDS = frozenset({SubsidyKind.MEDICAL_RELIEF})
#: the first year a standard may be set for: the five-year transition period (过渡期) for consolidating the
#: results of poverty alleviation began in 2021, and the seeded lines are valid from then
FIRST_POLICY_YEAR = 2021


class AnomalyKind(StrEnum):
    UNKNOWN_BENEFICIARY = "unknown_beneficiary"
    DECEASED_BENEFICIARY = "deceased_beneficiary"
    DUPLICATE_PAYMENT = "duplicate_payment"
    OVER_ALLOCATION = "over_allocation"
    UNSPENT_PAST_DEADLINE = "unspent_past_deadline"
    STAGE_OVERDUE = "stage_overdue"
    IDLE_ALLOCATION = "idle_allocation"      # money of an allocation left uncommitted past the policy's days


class AssetType(StrEnum):
    OPERATIONAL = "operational"        # 经营性资产
    PUBLIC_WELFARE = "public_welfare"  # 公益性资产
    HOUSEHOLD = "household"            # 到户类资产


def check_in(column: str, enum: type[StrEnum]) -> str:
    """SQL text of a CHECK constraint that keeps ``column`` inside ``enum``."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in enum)})"
