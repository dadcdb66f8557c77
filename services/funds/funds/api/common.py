"""Route helpers shared by the funds routers."""

from collections.abc import Awaitable
from typing import Annotated, TypeVar

from fastapi import Path, Query

from backstop_common.uow import UnitOfWork
from backstop_common.xlsx import write_xlsx, xlsx_response
from funds.domain.anomalies import Refused

T = TypeVar("T")
Format = Annotated[str, Query(pattern="^(json|xlsx)$")]
AreaFilter = Annotated[str | None, Query(pattern=r"^[0-9]{12}$")]
PeriodFilter = Annotated[str | None, Query(pattern=r"^[0-9]{4}([-/][0-9A-Za-z]{1,10})?$")]
YearFilter = Annotated[int | None, Query(ge=2000, le=2100)]
YearPath = Annotated[int, Path(ge=2000, le=2100)]


async def commit(uow: UnitOfWork, work: Awaitable[T]) -> T:
    """Commit the work; a payment refused as an anomaly commits only the anomaly, then answers the problem."""
    try:
        result = await work
    except Refused as refused:
        await uow.commit()
        raise refused.problem from None
    await uow.commit()
    return result


def xlsx(headers: list[str], rows: list[dict] | list[list], filename: str, sheet: str):
    body = [[row[h] for h in headers] if isinstance(row, dict) else row for row in rows]
    return xlsx_response(write_xlsx(headers, body, sheet=sheet), filename)
