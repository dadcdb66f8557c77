"""Project funding lines (the money of one allocation committed to one project) and their sums."""

import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from funds.models import ProjectFunding


async def funding_line(session: AsyncSession, project_id: uuid.UUID, allocation_id: uuid.UUID) -> ProjectFunding | None:
    """The line, row-locked and read afresh."""
    query = (select(ProjectFunding).where(ProjectFunding.project_id == project_id,
                                          ProjectFunding.allocation_id == allocation_id)
             .with_for_update().execution_options(populate_existing=True))
    return (await session.execute(query)).scalar_one_or_none()


async def committed_to(session: AsyncSession, project_id: uuid.UUID) -> Decimal:
    """What all allocations together have committed to the project."""
    query = select(func.coalesce(func.sum(ProjectFunding.committed), 0)).where(ProjectFunding.project_id == project_id)
    return Decimal((await session.execute(query)).scalar_one())
