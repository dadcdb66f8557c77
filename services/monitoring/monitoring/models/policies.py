"""Policy as data (docs/contract.md §3): every threshold per year and area, never a constant in code."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, Integer
from sqlmodel import Field, SQLModel

from backstop_common.columns import created
from backstop_common.money import money_field
from monitoring.models._columns import share

#: the row of ``:year`` and ``:scope`` is the one in force for household ``h``'s income year
#: (policy.effective_policy, set-based): no row of the household's chain is newer yet not after that
#: year, nor deeper for the same year — shared by the re-screens of both lines
IN_FORCE_SQL = """coalesce(h.income_year, :current_year) >= :year
       AND NOT EXISTS (SELECT 1 FROM policies p
                        WHERE h.village_code LIKE p.scope || '%'
                          AND (p.year > :year AND p.year <= coalesce(h.income_year, :current_year)
                               OR p.year = :year AND length(p.scope) > length(:scope)))"""


class Policy(SQLModel, table=True):
    """One complete set of monitoring policy values for a year and an area (province default or
    county/township/village override). ``scope`` is the area-code prefix the row applies to."""

    __tablename__ = "policies"

    year: int = Field(primary_key=True)
    area_code: str = Field(primary_key=True, min_length=12, max_length=12)
    scope: str = Field(index=True)
    income_line: Decimal = money_field()  # 监测线, yuan per person per year
    income_drop_share: Decimal = share()  # a fall of this share of last per-capita income is a signal
    medical_oop_threshold: Decimal = money_field()  # 合规自付医疗费用 above this is a signal
    medical_oop_income_share: Decimal = share()  # ... or above this share of household income
    disaster_loss_threshold: Decimal = money_field()
    verify_days: int  # 入户核实
    post_notice_days: int  # 民主评议 + 张贴公示
    notice_days: int  # 村内公示 runs at least this long
    review_days: int  # 乡审核
    confirm_days: int  # 县审批
    decision_days: int  # signal to decision, all steps together
    plan_days: int  # assistance plan after confirmation
    visit_interval_days: int  # 巡访 at least this often
    stable_months: int  # income stably above the line before risk elimination
    #: 低保 line (seed 000: 预计年人均纯收入不达4400元…全部纳入低保); null: no 低保 recommendation
    dibao_line: Decimal | None = money_field(nullable=True)
    #: 低保渐退 at most this long (seed 000: 不超过12个月低保渐退)
    dibao_phaseout_months: int = Field(default=12, sa_column=Column(Integer, nullable=False, server_default="12"))
    cluster_threshold: Decimal = share()  # share of a village's households with new signals
    cluster_window_days: int
    cluster_min_households: int
    version: int = 1
    updated_by: str | None = None
    updated_at: datetime = created()
