"""资金公开 (惠民资金网) in figures: what anyone may read without an account — allocations by source, projects from
their public notice on, and subsidies paid by village and kind. No household id, name, ID number,
phone, bank account or health detail: funds holds none of the names, and the ids stay inside."""

from decimal import Decimal

from funds.domain.notices import PUBLIC_KIND
from funds.enums import STAGE_ORDER, Stage
from funds.repository import public_summary as repo

#: a project is public from its 公示 on (申报 and 论证 are internal)
PUBLIC_STAGES = [s.value for s in STAGE_ORDER[STAGE_ORDER.index(Stage.NOTICED):]]
#: the newest payments listed; the totals count them all
SUBSIDY_ROWS = 500


async def summary(session, area_code: str) -> dict:
    by_source = await repo.allocations_by_source(session, area_code)
    projects = await repo.projects_at(session, area_code, PUBLIC_STAGES)
    subsidies = await repo.newest_subsidies(session, area_code, SUBSIDY_ROWS)
    count, paid = await repo.subsidy_totals(session, area_code)
    return {
        "area_code": area_code,
        "allocations": [{"source": s, "amount": a, "spent": sp or Decimal("0.00")} for s, a, sp in by_source],
        "projects": [{"name": p.name, "project_type": p.project_type, "area_code": p.area_code, "year": p.year,
                      "budget": p.budget, "stage": p.stage, "notice_ends_at": p.notice_ends_at,
                      "deadline": p.deadline} for p in projects],
        "subsidies": [{"village_code": s.village_code, "kind": PUBLIC_KIND[s.kind], "period": s.period,
                       "amount": s.amount, "paid_on": s.paid_on} for s in subsidies],
        "subsidies_total": {"count": count, "amount": paid},
    }
