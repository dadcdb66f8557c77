"""Supervision's policy data as loaded with every county (editable by API): seed 004 "抓好12317扶贫监督举报电话
受理和办理工作，强化扶贫领域违规违纪问题的社会监督" and seed 002 "农户是否知道申报"."""

from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.supervision.models import SupervisionCategory, SupervisionPolicy

# (code, title, handling level)
REPORT_CATEGORIES = [
    ("funds_misuse", "扶贫资金违规使用（截留、挪用、优亲厚友）", "township"),
    ("identification_unfair", "识别不精准（应纳未纳、不该纳入的被纳入）", "township"),
    ("cadre_conduct", "干部作风问题（吃拿卡要、态度恶劣、弄虚作假）", "township"),
    ("policy_not_delivered", "政策未落实（补贴未发、帮扶未到位）", "township"),
    ("other", "其他", "township"),
]
# (code, title, risk type of the national code table a verified declaration is recorded under)
DECLARATION_KINDS = [
    ("illness", "因病（大病、慢病、医疗支出大）", "01"),
    ("income_loss", "收入骤减（务工中断、失业）", "07"),
    ("disaster", "因灾（自然灾害、意外事故）", "0299"),
    ("schooling", "因学（教育支出大、辍学风险）", "09"),
    ("housing", "住房不安全", "housing"),
    ("other", "其他困难", "99"),
]


async def load_supervision_policy(session: AsyncSession) -> None:
    """The default clocks (everywhere) and the categories; a no-op when present (counties edit them)."""
    await session.execute(insert(SupervisionPolicy).values(SupervisionPolicy(scope="").model_dump())
                          .on_conflict_do_nothing())
    rows = [dict(code=c, kind="report", title=t, risk_type=None, handling_level=lvl) for c, t, lvl in REPORT_CATEGORIES]
    rows += [dict(code=c, kind="declaration", title=t, risk_type=r, handling_level="village")
             for c, t, r in DECLARATION_KINDS]
    stmt = insert(SupervisionCategory).values(rows)
    # a kind loaded without its risk code (the first seed lost it) gets it; what a county set stays
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["code", "kind"], set_={"risk_type": stmt.excluded.risk_type},
        where=SupervisionCategory.risk_type.is_(None) & (SupervisionCategory.kind == "declaration")))
