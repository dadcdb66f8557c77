"""Reports offices hand upward: the problem list by unit, status and age with the rectification rate,
and the target board, as JSON and XLSX."""

import uuid

from backstop_common.auth import Principal
from backstop_common.uow import UnitOfWork
from backstop_common.xlsx import write_xlsx
from monitoring.campaigns import repository
from monitoring.campaigns.targets import MEASURES, board
from monitoring.campaigns.units import UNITS

#: counted as rectified: verified by the level above, or closed because the data shows it fixed
DONE = {"verified", "closed"}


async def problem_report(uow: UnitOfWork, principal: Principal, campaign_id: uuid.UUID | None) -> dict:
    rows = await repository.problem_summary(uow.session, principal.scope, campaign_id, uow.clock.now())
    units: dict[str, dict] = {}
    for r in rows:
        u = units.setdefault(r.responsible_unit, {"unit": r.responsible_unit, "unit_name": UNITS.get(r.responsible_unit),
                                                  "total": 0, "by_status": {}, "overdue": 0, "max_age_days": 0})
        u["total"] += r.n
        u["overdue"] += r.overdue
        u["max_age_days"] = max(u["max_age_days"], r.max_age_days or 0)
        u["by_status"][r.status] = {"count": r.n, "avg_age_days": float(r.avg_age_days or 0)}
    for u in units.values():
        done = sum(v["count"] for s, v in u["by_status"].items() if s in DONE)
        u["rectified"] = done
        u["rectification_rate"] = round(done / u["total"], 4) if u["total"] else None
    total = sum(u["total"] for u in units.values())
    done = sum(u["rectified"] for u in units.values())
    return {"scope": principal.scope, "campaign_id": campaign_id, "total": total, "rectified": done,
            "rectification_rate": round(done / total, 4) if total else None,
            "overdue": sum(u["overdue"] for u in units.values()), "units": list(units.values())}


async def problem_xlsx(uow: UnitOfWork, principal: Principal, campaign_id: uuid.UUID | None) -> bytes:
    rows, _ = await repository.problem_rows(uow.session, principal.scope, campaign_id=campaign_id)
    now = uow.clock.now()
    headers = ["问题ID", "排查活动", "排查事项", "事项名称", "村(社区)/单位", "户ID", "责任单位", "状态",
               "发现时间", "整改时限", "问题天数", "是否逾期", "整改措施", "暂缓原因(备案)"]
    return write_xlsx(headers, (
        [r.id, r.campaign_id, r.check_code, r.title, r.village_code, r.household_id,
         UNITS.get(r.responsible_unit, r.responsible_unit), r.status, r.opened_at.isoformat(),
         r.due_at.isoformat(), ((r.verified_at or r.closed_at or now) - r.opened_at).days,
         "是" if r.status in ("opened", "in_progress") and r.due_at < now else "否",
         r.measures_taken, r.deferred_reason] for r in rows), sheet="问题清单")


async def target_xlsx(uow: UnitOfWork, principal: Principal, area_code: str, year: int) -> bytes:
    b = await board(uow, principal, area_code, year)
    headers = ["年度", "地区", "任务", "单位", "目标", "已完成", "剩余", "应完成(按进度)", "是否滞后"]
    return write_xlsx(headers, ([line.year, line.area_code, MEASURES[line.measure][1], line.unit, line.target,
                                 line.done, line.remaining, line.expected_by_now,
                                 "滞后" if line.behind_schedule else ""] for line in b.lines), sheet="挂图作战")
