"""Reports: execution (支出进度), money trails, public-notice lists; JSON or XLSX (?format=xlsx)."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal
from backstop_common.clock import Now
from backstop_common.xlsx import XLSX_RESPONSES
from funds.api.common import AreaFilter, PeriodFilter, Format, YearFilter, xlsx
from funds.domain import five_items, notices, reports, trails
from funds.enums import Stage
from funds.schemas.reports import (ExecutionReport, FiveItemsReport, HouseholdTrail, Listing, ProjectNoticeLine,
                                   ProjectTrail, SubsidyNoticeLine)

router = APIRouter(tags=["reports"])


@router.get("/reports/execution", response_model=ExecutionReport, responses=XLSX_RESPONSES)
async def execution(uow: UoW, principal: CurrentPrincipal, year: YearFilter = None, area_code: AreaFilter = None,
                    level: Literal["own", "township", "county"] = "own", format: Format = "json"):
    """支出进度 — how much of each source is spent.

    支出进度 by source, area (the allocation's own, or rolled up to township/county) and project type."""
    report = await reports.execution(uow.session, principal, area_code=area_code, year=year, level=level)
    if format == "xlsx":
        return xlsx(reports.XLSX_HEADERS, list(reports.execution_rows(report)), "execution.xlsx", "支出进度")
    return ExecutionReport.model_validate(report)


@router.get("/reports/five-items", response_model=FiveItemsReport)
async def five_items_report(uow: UoW, principal: CurrentPrincipal, now: Now,
                            village_code: Annotated[str, Query(pattern=r"^[0-9]{12}$")], year: YearFilter = None,
                            format: Format = "json"):
    """五项落实 — per household of a village.

    五项落实 per household of a village: cause, attribute, measures, helper, money (seed 001)."""
    report = await five_items.village_report(uow.session, principal, village_code, year or now.year)
    if format == "xlsx":
        return xlsx(five_items.XLSX_HEADERS, list(five_items.xlsx_rows(report)), "five-items.xlsx", "五项落实")
    return FiveItemsReport.model_validate(report)


@router.get("/reports/households/{household_id}", response_model=HouseholdTrail)
async def household_trail(household_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """户资金轨迹 — every yuan that reached a household.

    Subsidies, dividends and returns of the household, with the allocation each came from."""
    return HouseholdTrail.model_validate(await trails.household_trail(uow.session, principal, household_id))


@router.get("/reports/projects/{project_id}", response_model=ProjectTrail)
async def project_trail(project_id: uuid.UUID, uow: UoW, principal: CurrentPrincipal):
    """项目资金轨迹 — a project's money from source to payment.

    Allocations, fundings, disbursements and returns of the project."""
    return ProjectTrail.model_validate(await trails.project_trail(uow.session, principal, project_id))


@router.get("/notices/subsidies", response_model=Listing[SubsidyNoticeLine], responses=XLSX_RESPONSES)
async def subsidy_notice(uow: UoW, principal: CurrentPrincipal, area_code: AreaFilter = None,
                         period: PeriodFilter = None, format: Format = "json"):
    """补助公示清单 — subsidies to post in the village.

    The subsidies of an area and period as the public notice lists them (names masked); ?format=xlsx for a workbook."""
    rows = await notices.subsidy_notice(uow.session, principal, area_code, period)
    if format == "xlsx":
        return xlsx(notices.SUBSIDY_HEADERS, rows, "subsidy-notice.xlsx", "补助公示")
    return Listing[SubsidyNoticeLine](items=rows, total=len(rows))


@router.get("/notices/projects", response_model=Listing[ProjectNoticeLine], responses=XLSX_RESPONSES)
async def project_notice(uow: UoW, principal: CurrentPrincipal, area_code: AreaFilter = None,
                         stage: Stage | None = None, format: Format = "json"):
    """项目公示清单 — projects to post.

    The projects of an area (optionally of one stage) as the public notice lists them; ?format=xlsx for a workbook."""
    rows = await notices.project_notice(uow.session, principal, area_code, stage.value if stage else None)
    if format == "xlsx":
        return xlsx(notices.PROJECT_HEADERS, rows, "project-notice.xlsx", "项目公示")
    return Listing[ProjectNoticeLine](items=rows, total=len(rows))
