"""Money trails: one household's every yuan; one project's from allocation to assets."""

import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import Principal
from backstop_common.problems import NotFound
from funds.models import (Allocation, Anomaly, Asset, Beneficiary, Disbursement, Dividend, HouseholdFact,
                          Project, ProjectFunding, StageChange, Subsidy, Suggestion)


def _dump(row, *exclude: str) -> dict:
    return row.model_dump(exclude=set(exclude))


async def _all(session: AsyncSession, query) -> list:
    return list((await session.execute(query)).scalars())


async def household_trail(session: AsyncSession, principal: Principal, household_id: uuid.UUID) -> dict:
    household = await session.get(HouseholdFact, household_id)
    if household is None or not principal.covers(household.village_code):
        raise NotFound("household not found")
    subsidies = await _all(session, select(Subsidy).where(Subsidy.household_id == household_id)
                           .order_by(Subsidy.paid_on, Subsidy.created_at))
    links = await session.execute(select(Beneficiary, Project).join(Project, Project.id == Beneficiary.project_id)
                                  .where(Beneficiary.household_id == household_id))
    dividends = await _all(session, select(Dividend).where(Dividend.household_id == household_id)
                           .order_by(Dividend.paid_on))
    total = sum((s.amount for s in subsidies), start=Decimal("0.00")) + sum((d.amount for d in dividends), start=Decimal("0.00"))
    return {
        "household": _dump(household),
        "subsidies": [_dump(s) for s in subsidies],
        "projects": [{**_dump(b), "project_name": p.name, "project_type": p.project_type, "stage": p.stage}
                     for b, p in links.all()],
        "dividends": [_dump(d) for d in dividends],
        "suggestions": [_dump(s) for s in await _all(session, select(Suggestion).where(
            Suggestion.household_id == household_id))],
        "anomalies": [_dump(a, "key") for a in await _all(session, select(Anomaly).where(
            Anomaly.household_id == household_id))],
        "total_received": total,
    }


async def project_trail(session: AsyncSession, principal: Principal, project_id: uuid.UUID) -> dict:
    project = await session.get(Project, project_id)
    if project is None or not principal.covers(project.area_code):
        raise NotFound("project not found")
    fundings = await session.execute(select(ProjectFunding, Allocation)
                                     .join(Allocation, Allocation.id == ProjectFunding.allocation_id)
                                     .where(ProjectFunding.project_id == project_id))
    disbursements = await _all(session, select(Disbursement).where(Disbursement.project_id == project_id)
                               .order_by(Disbursement.paid_on, Disbursement.created_at))
    assets = await _all(session, select(Asset).where(Asset.project_id == project_id))
    return {
        "project": _dump(project),
        "stages": [_dump(c) for c in await _all(session, select(StageChange).where(
            StageChange.project_id == project_id).order_by(StageChange.at))],
        "fundings": [{"allocation_id": a.id, "source": a.source, "year": a.year, "purpose": a.purpose,
                      "allocation_area": a.area_code, "committed": f.committed, "spent": f.spent}
                     for f, a in fundings.all()],
        "disbursements": [_dump(d) for d in disbursements],
        "beneficiaries": [_dump(b) for b in await _all(session, select(Beneficiary).where(
            Beneficiary.project_id == project_id))],
        "dividends": [_dump(d) for d in await _all(session, select(Dividend).where(
            Dividend.project_id == project_id))],
        "assets": [_dump(a) for a in assets],
        "anomalies": [_dump(a, "key") for a in await _all(session, select(Anomaly).where(
            Anomaly.project_id == project_id))],
        "totals": {"disbursed": sum((d.amount for d in disbursements), start=Decimal("0.00")),
                   "assets": sum((a.value for a in assets), start=Decimal("0.00"))},
    }
