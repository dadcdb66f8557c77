"""GET /api/v1/stats: dashboard counts per township and village."""

from typing import Annotated

from fastapi import APIRouter, Query

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal, area_prefix
from monitoring.domain.stats import roll_up
from monitoring.repository import stats
from monitoring.schemas import Dashboard

router = APIRouter(tags=["stats"])


@router.get("/stats")
async def dashboard(uow: UoW, principal: CurrentPrincipal,
                    area_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None) -> Dashboard:
    """监测统计 — the dashboard counts.

    Signals, cases per stage, monitored, eliminated, overdue and risk types, per township and village."""
    code = area_code or principal.area_code
    principal.ensure_covers(code, "area")
    rows = await stats.per_village(uow.session, area_prefix(code), uow.clock.now())
    return Dashboard.model_validate(roll_up(code, rows))
