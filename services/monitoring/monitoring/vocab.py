"""Monitoring's code lists, below every layer: the case stages (识别程序), the risk types (national code
table, docs/contract.md §3) and where a case comes from. The SQL predicates over stages (``models.cases``) say the same."""

from enum import StrEnum


class Stage(StrEnum):
    OPENED = "opened"
    VERIFIED = "verified"  # 入户核实 by the village
    NOTICE_POSTED = "notice_posted"  # 民主评议 + 村内公示
    REVIEWED = "reviewed"  # 乡审核
    CONFIRMED = "confirmed"  # 县审批: a monitored household (监测对象)
    REJECTED = "rejected"
    ELIMINATION_PROPOSED = "elimination_proposed"
    ELIMINATED = "eliminated"  # 风险消除


CLOSED = frozenset({Stage.REJECTED, Stage.ELIMINATED})
MONITORED = frozenset({Stage.CONFIRMED, Stage.ELIMINATION_PROPOSED})
IDENTIFYING = (Stage.OPENED, Stage.VERIFIED, Stage.NOTICE_POSTED, Stage.REVIEWED)

RISK_CODES = frozenset({"01", "0201", "0202", "0203", "0204", "0205", "0206", "0299", "03", "04", "05",
                        "06", "07", "09", "99"})
#: 两不愁 (food, clothing) + 三保障 (education, insurance, housing) + 饮水 (water)
FLAGS = frozenset({"food", "clothing", "housing", "water", "education", "insurance"})
RISK_TYPES = RISK_CODES | FLAGS
MAX_RISK_TYPES = 5  # up to five risk types per household


class Source(StrEnum):
    EVENT = "event"
    APPLICATION = "application"  # 农户申报
    VISIT = "visit"  # 干部排查
    DEPARTMENT = "department"  # 部门预警
    RESCREEN = "rescreen"
    IMPORT = "import"  # the national system's monitored household, imported by the registry


class Category(StrEnum):
    UNSTABLE_LIFTED = "unstable_lifted"  # 脱贫不稳定户
    MARGINAL = "marginal"  # 边缘易致贫户
    SUDDEN_HARDSHIP = "sudden_hardship"  # 突发严重困难户
