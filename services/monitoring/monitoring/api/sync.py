"""/api/v1/sync/...: the case lists a phone keeps offline, changed since its last sync (docs/clients.md, 离线同步)."""

from fastapi import APIRouter

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.clock import Now
from backstop_common.sync import Changes, changes, since
from monitoring.api.views import case_read
from monitoring.repository import sync
from monitoring.schemas import CaseRead, MeasureRow, VisitRow

router = APIRouter(tags=["sync"])
CasesSince, PlansSince, VisitsSince = since("cases", tombstones=True), since("plans"), since("visits")


@router.get("/sync/cases", response_model=Changes[CaseRead])
async def cases(uow: UoW, principal: CurrentPrincipal, given: CasesSince, now: Now):
    """同步监测案件 — cases changed since the last sync.

    The monitoring cases (监测对象) of your area changed since ``changed_since``; ``overdue`` is as of this
    answer (offline, compare the ``*_due_at`` times with your clock)."""
    rows, removed = await sync.case_changes(uow.session, principal.scope, given)
    return changes(given, [(key, case_read(c, now)) for key, c in rows], removed)


@router.get("/sync/plans", response_model=Changes[MeasureRow])
async def plans(uow: UoW, principal: CurrentPrincipal, given: PlansSince):
    """同步帮扶计划 — plan measures changed since the last sync.

    The measures of your area's assistance plans (帮扶计划) changed since ``changed_since``."""
    rows, removed = await sync.measure_changes(uow.session, principal.scope, given)
    return changes(given, [(key, MeasureRow.model_validate(m, from_attributes=True)) for key, m in rows], removed)


@router.get("/sync/visits", response_model=Changes[VisitRow])
async def visits(uow: UoW, principal: CurrentPrincipal, given: VisitsSince):
    """同步走访记录 — visits recorded since the last sync.

    The visits (走访) to your area's cases recorded since ``changed_since``, each with when it happened
    (``occurred_at``) and when it arrived (``recorded_at``)."""
    rows, removed = await sync.visit_changes(uow.session, principal.scope, given)
    return changes(given, [(key, VisitRow.model_validate(v, from_attributes=True)) for key, v in rows], removed)
