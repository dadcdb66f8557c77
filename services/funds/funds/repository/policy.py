"""Standard and project-policy lines: listing and setting them (upsert by year, area, kind, item)."""

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import Principal, area_prefix
from funds.enums import SubsidyKind
from funds.models import ProjectPolicy, SubsidyStandard


async def standards_for(session: AsyncSession, principal: Principal, kind: SubsidyKind | None,
                        year: int | None) -> list[SubsidyStandard]:
    """Every line valid for the caller's area: their own, those above and those inside it."""
    query = select(SubsidyStandard).order_by(SubsidyStandard.kind, SubsidyStandard.item, SubsidyStandard.year)
    if kind:
        query = query.where(SubsidyStandard.kind == kind.value)
    if year:
        query = query.where(SubsidyStandard.year <= year)
    return [r for r in (await session.execute(query)).scalars()
            if principal.area_code.startswith(r.area_prefix) or principal.covers(r.area_code)]


async def put_standard(session: AsyncSession, values: dict) -> SubsidyStandard:
    values = values | {"area_prefix": area_prefix(values["area_code"])}
    stmt = insert(SubsidyStandard.__table__).values(id=uuid.uuid4(), **values)
    row_id = (await session.execute(stmt.on_conflict_do_update(
        index_elements=["year", "area_code", "kind", "item"],
        set_={k: stmt.excluded[k] for k in ("amount", "rate", "threshold", "cap")})
        .returning(SubsidyStandard.__table__.c.id))).scalar_one()
    return (await session.execute(select(SubsidyStandard).where(SubsidyStandard.id == row_id)
                                  .execution_options(populate_existing=True))).scalar_one()


async def put_policy(session: AsyncSession, values: dict) -> None:
    values = values | {"area_prefix": area_prefix(values["area_code"])}
    stmt = insert(ProjectPolicy.__table__).values(id=uuid.uuid4(), **values)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["year", "area_code"],
        set_={k: stmt.excluded[k] for k in ("notice_days", "stage_days", "min_return_rate", "investment_per_person",
                                           "idle_days")}))
