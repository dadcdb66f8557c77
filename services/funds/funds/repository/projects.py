"""Project library queries."""

import uuid

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import Principal
from backstop_common.paging import Page, PageParams
from funds.enums import ProjectType, Stage
from funds.models import Beneficiary, Project, StageChange
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
