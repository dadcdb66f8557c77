"""Statistics of 12317 reports by category, area and month, and the county's monthly report (一月一调度,
seed 003) as JSON and XLSX; and the policy a county sets (its clocks and limits)."""

from backstop_common.auth import Principal, Role, area_prefix
from backstop_common.uow import UnitOfWork
from backstop_common.xlsx import write_xlsx
from monitoring.supervision import repository
from monitoring.supervision.models import SupervisionPolicy
from monitoring.supervision.schemas import PolicyIn
from monitoring.supervision.workdays import LOCAL

COUNTS = ("received", "declined", "answered", "closed", "satisfied", "unsatisfied", "overdue", "conflict_of_interest")


def _add(into: dict, row) -> None:
    for name in COUNTS:
        into[name] = into.get(name, 0) + getattr(row, name)


def _group(rows, key: str) -> list[dict]:
    groups: dict[str, dict] = {}
    for row in rows:
        _add(groups.setdefault(getattr(row, key), {key: getattr(row, key)}), row)
    return list(groups.values())


async def by_category_area_month(uow: UnitOfWork, principal: Principal, year: int) -> dict:
    rows = await repository.report_stats(uow.session, principal.scope, year=year)
    totals: dict = {}
    for row in rows:
        _add(totals, row)
    return {"scope": principal.scope, "year": year, "totals": totals, "by_category": _group(rows, "category"),
            "by_area": _group(rows, "township"), "by_month": _group(rows, "month")}


async def monthly(uow: UnitOfWork, principal: Principal, month: str | None) -> dict:
    month = month or uow.clock.now().astimezone(LOCAL).strftime("%Y-%m")
    rows = await repository.report_stats(uow.session, principal.scope, month=month)
    totals: dict = {}
    for row in rows:
        _add(totals, row)
    categories = {c.code: c.title for c in await repository.categories(uow.session, "report")}
    by_category = _group(rows, "category")
    for line in by_category:
        line["title"] = categories.get(line["category"], line["category"])
    rate = round(totals["satisfied"] / totals["closed"], 4) if totals.get("closed") else None
    return {"scope": principal.scope, "month": month, "totals": totals, "satisfaction_rate": rate,
            "by_category": by_category, "by_area": _group(rows, "township")}


def monthly_xlsx(data: dict) -> bytes:
    headers = ["月份", "类别", "受理", "不予受理", "已答复", "已办结", "满意", "不满意", "超期", "回避上移"]
    lines = [[data["month"], line["title"], *(line[k] for k in COUNTS)] for line in data["by_category"]]
    lines.append([data["month"], "合计", *(data["totals"].get(k, 0) for k in COUNTS)])
    return write_xlsx(headers, lines, sheet="12317举报月报")


async def set_policy(uow: UnitOfWork, principal: Principal, area_code: str, body: PolicyIn) -> SupervisionPolicy:
    principal.ensure_role(Role.COUNTY_ADMIN)
    principal.ensure_covers(area_code, "area")
    scope = area_prefix(area_code)
    policy = await uow.session.get(SupervisionPolicy, scope)
    if policy is None:
        policy = SupervisionPolicy(scope=scope, version=0)
    for name, value in body.model_dump().items():
        setattr(policy, name, value)
    policy.updated_by, policy.updated_at, policy.version = principal.subject, uow.clock.now(), policy.version + 1
    uow.session.add(policy)
    await uow.session.flush()
    return policy
