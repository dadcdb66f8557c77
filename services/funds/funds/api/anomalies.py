"""Anomalies for the office, and subsidy suggestions for monitored households."""

import uuid

from fastapi import APIRouter
from sqlalchemy import func, select

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal, area_prefix
from backstop_common.paging import Page, Paging
from funds.api.common import AreaFilter
from funds.enums import AnomalyKind, SubsidyKind
from funds.models import Anomaly, Suggestion
from funds.schemas import AnomalyRead, SuggestionRead

router = APIRouter(tags=["anomalies"])


async def _page(uow, query, paging, schema, *order):
    total = (await uow.session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await uow.session.execute(query.order_by(*order).limit(paging.limit).offset(paging.offset))
    return Page(items=[schema.model_validate(r) for r in rows.scalars()], total=total)


@router.get("/anomalies", response_model=Page[AnomalyRead])
async def list_anomalies(uow: UoW, principal: CurrentPrincipal, paging: Paging, kind: AnomalyKind | None = None,
                         area_code: AreaFilter = None, household_id: uuid.UUID | None = None,
                         project_id: uuid.UUID | None = None):
    query = select(Anomaly).where(Anomaly.area_code.like(principal.scope + "%"))
    if area_code:
        query = query.where(Anomaly.area_code.like(area_prefix(area_code) + "%"))
    for column, value in ((Anomaly.kind, kind), (Anomaly.household_id, household_id),
                          (Anomaly.project_id, project_id)):
        if value is not None:
            query = query.where(column == value)
    return await _page(uow, query, paging, AnomalyRead, Anomaly.detected_at, Anomaly.id)


@router.get("/suggestions", response_model=Page[SuggestionRead])
async def list_suggestions(uow: UoW, principal: CurrentPrincipal, paging: Paging, household_id: uuid.UUID | None = None,
                           area_code: AreaFilter = None, kind: SubsidyKind | None = None, status: str | None = None):
    """Subsidies monitored households are eligible for (computed on case.confirmed); not payments."""
    query = select(Suggestion).where(Suggestion.village_code.like(principal.scope + "%"))
    if area_code:
        query = query.where(Suggestion.village_code.like(area_prefix(area_code) + "%"))
    for column, value in ((Suggestion.household_id, household_id), (Suggestion.kind, kind),
                          (Suggestion.status, status)):
        if value is not None:
            query = query.where(column == value)
    return await _page(uow, query, paging, SuggestionRead, Suggestion.created_at, Suggestion.id)
