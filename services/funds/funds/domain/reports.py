"""支出进度 (execution) by source, area and project type, adding up to the ledger to the fen."""

from decimal import Decimal

from backstop_common.auth import Principal
from funds.repository import reports as repo

ZERO = Decimal("0.00")


def rate(spent: Decimal, base: Decimal | None) -> Decimal | None:
    """Spent as a percentage of ``base``, two places."""
    return (spent * 100 / base).quantize(Decimal("0.01")) if base else None


def _row(key: str, allocated, committed, spent) -> dict:
    allocated = Decimal(allocated) if allocated is not None else None
    committed, spent = Decimal(committed or 0), Decimal(spent or 0)
    return {"key": key, "allocated": allocated, "committed": committed, "spent": spent,
            "execution_rate": rate(spent, allocated if allocated is not None else committed)}


def net_of_returns(paid: dict[str, Decimal], returned: dict[str, Decimal]) -> dict[str, Decimal]:
    """What was paid under each key less what came back (退回) under it."""
    return {k: v - returned.get(k, ZERO) for k, v in paid.items()}


def ledger(disbursed: dict[str, Decimal], subsidised: dict[str, Decimal], returned: dict[str, Decimal]) -> dict:
    """The ledger's own view, from the net sums by key: what was paid out, what came back, what is spent."""
    returns = sum(returned.values(), ZERO)
    paid_out = sum(disbursed.values(), ZERO) + sum(v for k, v in returned.items() if k in disbursed)
    paid_subsidies = sum(subsidised.values(), ZERO) + sum(v for k, v in returned.items() if k in subsidised)
    return {"disbursements": paid_out, "subsidies": paid_subsidies, "returns": returns,
            "spent": paid_out + paid_subsidies - returns}


async def execution(session, principal: Principal, *, area_code: str | None = None,
                    year: int | None = None, level: str = "own") -> dict:
    scope = repo.Scope(principal, area_code, year)
    by_source = [_row(*row) for row in await repo.by_source(session, scope)]
    by_area = [_row(*row) for row in await repo.by_area(session, scope, level)]
    total = await repo.totals(session, scope)
    committed_by_type = await repo.committed_by_type(session, scope)
    returned = await repo.returned_by_type(session, scope)
    spent_by_type = net_of_returns(await repo.disbursed_by_type(session, scope), returned)
    subsidies = net_of_returns(await repo.subsidised_by_kind(session, scope), returned)
    by_type = [_row(k, None, committed_by_type.get(k), spent_by_type.get(k))
               for k in sorted(set(committed_by_type) | set(spent_by_type))]
    by_type += [_row(k, None, v, v) for k, v in sorted(subsidies.items())]
    return {"year": year, "area_code": area_code, "level": level, "totals": _row("total", total[0] or ZERO, total[1], total[2]),
            "by_source": by_source, "by_area": by_area, "by_project_type": by_type,
            "ledger": ledger(spent_by_type, subsidies, returned)}


XLSX_HEADERS = ["dimension", "key", "allocated", "committed", "spent", "execution_rate_%"]


def execution_rows(report: dict):
    for dimension in ("by_source", "by_area", "by_project_type"):
        for row in report[dimension]:
            yield [dimension, row["key"], row["allocated"], row["committed"], row["spent"], row["execution_rate"]]
    t = report["totals"]
    yield ["totals", "total", t["allocated"], t["committed"], t["spent"], t["execution_rate"]]
