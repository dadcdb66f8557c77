"""The rows of a money trail: everything one household received, everything that went into one project."""

import uuid

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from funds.models import (Allocation, Anomaly, Asset, Beneficiary, Disbursement, Dividend, Project, ProjectFunding,
                          StageChange, Subsidy, Suggestion)


async def _all(session: AsyncSession, query) -> list:
    return list((await session.execute(query)).scalars())


async def of_household(session: AsyncSession, household_id: uuid.UUID) -> dict[str, list]:
    """Subsidies and dividends in the order paid, (Beneficiary, Project) pairs, suggestions and anomalies."""
    links = await session.execute(select(Beneficiary, Project).join(Project, Project.id == Beneficiary.project_id)
                                  .where(Beneficiary.household_id == household_id))
    return {
        "subsidies": await _all(session, select(Subsidy).where(Subsidy.household_id == household_id)
                                .order_by(Subsidy.paid_on, Subsidy.created_at)),
        "projects": [tuple(link) for link in links.all()],
        "dividends": await _all(session, select(Dividend).where(Dividend.household_id == household_id)
                                .order_by(Dividend.paid_on)),
        "suggestions": await _all(session, select(Suggestion).where(Suggestion.household_id == household_id)),
        "anomalies": await _all(session, select(Anomaly).where(Anomaly.household_id == household_id)),
    }


async def of_project(session: AsyncSession, project_id: uuid.UUID) -> dict[str, list]:
    """Its stage changes and disbursements in order, (ProjectFunding, Allocation) pairs, beneficiaries,
    dividends, assets and anomalies."""
    fundings = await session.execute(select(ProjectFunding, Allocation)
                                     .join(Allocation, Allocation.id == ProjectFunding.allocation_id)
                                     .where(ProjectFunding.project_id == project_id))
    return {
        "stages": await _all(session, select(StageChange).where(StageChange.project_id == project_id)
                             .order_by(StageChange.at)),
        "fundings": [tuple(f) for f in fundings.all()],
        "disbursements": await _all(session, select(Disbursement).where(Disbursement.project_id == project_id)
                                    .order_by(Disbursement.paid_on, Disbursement.created_at)),
        "beneficiaries": await _all(session, select(Beneficiary).where(Beneficiary.project_id == project_id)),
        "dividends": await _all(session, select(Dividend).where(Dividend.project_id == project_id)),
        "assets": await _all(session, select(Asset).where(Asset.project_id == project_id)),
        "anomalies": await _all(session, select(Anomaly).where(Anomaly.project_id == project_id)),
    }
