"""GET /api/v1/stats: dashboard counts per township and village."""

from typing import Annotated

from fastapi import APIRouter, Query

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from monitoring.domain import stats
from monitoring.schemas import Dashboard

router = APIRouter(tags=["stats"])


@router.get("/stats")
async def dashboard(uow: UoW, principal: CurrentPrincipal,
                    area_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None) -> Dashboard:
    """监测统计 — the dashboard counts.

    Signals, cases per stage, monitored, eliminated, overdue and risk types, per township and village (a
    province or a city: per county)."""
    code = area_code or principal.area_code
    principal.ensure_covers(code, "area")
    return Dashboard.model_validate(await stats.dashboard(uow.session, code, uow.clock.now()))
