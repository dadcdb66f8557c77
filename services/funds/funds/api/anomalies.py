"""Anomalies for the office, and subsidy suggestions for monitored households."""

import uuid
from typing import Literal

from fastapi import APIRouter

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.paging import Page, Paging
from funds.api.common import AreaFilter
from funds.enums import AnomalyKind, SubsidyKind
from funds.repository import anomalies as repo
from funds.schemas import AnomalyRead, SuggestionRead

router = APIRouter(tags=["anomalies"])


@router.get("/anomalies", response_model=Page[AnomalyRead])
async def list_anomalies(uow: UoW, principal: CurrentPrincipal, paging: Paging, kind: AnomalyKind | None = None,
                         area_code: AreaFilter = None, household_id: uuid.UUID | None = None,
                         project_id: uuid.UUID | None = None, allocation_id: uuid.UUID | None = None):
    """资金异常 — anomalies found in the money's path.

    Payments to the dead, duplicates, idle money and the like, by kind, area, household, project or allocation."""
    return await repo.list_anomalies(uow.session, principal, paging, kind=kind, area_code=area_code,
                                     household_id=household_id, project_id=project_id,
                                     allocation_id=allocation_id)


@router.get("/suggestions", response_model=Page[SuggestionRead])
async def list_suggestions(uow: UoW, principal: CurrentPrincipal, paging: Paging, household_id: uuid.UUID | None = None,
                           area_code: AreaFilter = None, kind: SubsidyKind | None = None, status: Literal["open", "paid"] | None = None):
    """补助建议 — subsidies monitored households are eligible for.

    Subsidies monitored households are eligible for (computed on case.confirmed); not payments."""
    return await repo.list_suggestions(uow.session, principal, paging, household_id=household_id,
                                       area_code=area_code, kind=kind, status=status)
