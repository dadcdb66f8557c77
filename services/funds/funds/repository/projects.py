"""Project library queries: projects, their history, beneficiaries and dividends."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import Principal
from backstop_common.paging import Page, PageParams
from funds.enums import ProjectType, Stage
from funds.models import Beneficiary, Dividend, Project, ProjectFunding, StageChange
from funds.repository import page, where_equal
from funds.schemas import BeneficiaryRead, ProjectRead


async def list_projects(session: AsyncSession, principal: Principal, paging: PageParams, *, area_code: str | None,
                        stage: Stage | None, project_type: ProjectType | None, year: int | None) -> Page:
    query = where_equal(select(Project).where(Project.area_code.like(principal.scope + "%")),
                        (Project.area_code, area_code), (Project.stage, stage), (Project.project_type, project_type),
                        (Project.year, year))
    return await page(session, query, paging, ProjectRead, Project.created_at, Project.id)


async def history(session: AsyncSession, project_id: uuid.UUID) -> list[StageChange]:
    query = select(StageChange).where(StageChange.project_id == project_id).order_by(StageChange.at)
    return list((await session.execute(query)).scalars())


async def beneficiaries(session: AsyncSession, project_id: uuid.UUID) -> Page:
    rows = (await session.execute(select(Beneficiary).where(Beneficiary.project_id == project_id)
                                  .order_by(Beneficiary.created_at))).scalars()
    items = [BeneficiaryRead.model_validate(b) for b in rows]
    return Page(items=items, total=len(items))


async def project(session: AsyncSession, project_id: uuid.UUID, *, lock: bool = False) -> Project | None:
    """One project read afresh; ``lock`` takes its row lock, so two changes to it queue."""
    query = select(Project).where(Project.id == project_id).execution_options(populate_existing=True)
    return (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()


async def area_of(session: AsyncSession, project_id: uuid.UUID) -> str | None:
    return (await session.execute(select(Project.area_code).where(Project.id == project_id))).scalar_one_or_none()


async def unspent_past_deadline(session: AsyncSession, today: date) -> list[tuple[Project, Decimal]]:
    """Projects whose deadline is before ``today`` with money committed and not spent, and how much."""
    unspent = func.sum(ProjectFunding.committed - ProjectFunding.spent)
    query = (select(Project, unspent).join(ProjectFunding, ProjectFunding.project_id == Project.id)
             .where(Project.deadline < today).group_by(Project.id).having(unspent > 0))
    return [(project, amount) for project, amount in (await session.execute(query)).all()]


async def not_handed_over(session: AsyncSession, handed_over: str) -> list[Project]:
    """Projects still in the library's stages before 资产移交 (``handed_over``)."""
    return list((await session.execute(select(Project).where(Project.stage != handed_over))).scalars())


async def beneficiary_households(session: AsyncSession, project_id: uuid.UUID) -> int:
    query = select(func.count(func.distinct(Beneficiary.household_id))).where(Beneficiary.project_id == project_id)
    return (await session.execute(query)).scalar_one()


async def share(session: AsyncSession, project_id: uuid.UUID, household_id: uuid.UUID, benefit: str) -> Beneficiary | None:
    """How the household benefits from the project in that way, if it does."""
    query = select(Beneficiary).where(Beneficiary.project_id == project_id, Beneficiary.household_id == household_id,
                                      Beneficiary.benefit == benefit)
    return (await session.execute(query)).scalar_one_or_none()


async def dividends_paid(session: AsyncSession, project_id: uuid.UUID, household_id: uuid.UUID, year: int) -> Decimal:
    """The year's dividends the project paid the household so far."""
    query = select(func.coalesce(func.sum(Dividend.amount), 0)).where(
        Dividend.project_id == project_id, Dividend.household_id == household_id, Dividend.year == year)
    return Decimal((await session.execute(query)).scalar_one())
