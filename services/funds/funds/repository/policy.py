"""Standard and project-policy lines: the ones in force for a year and area, listing and setting them
(upsert by year, area, kind, item)."""

import uuid

from sqlalchemy import func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.auth import Principal, area_prefix
from funds.enums import SubsidyKind
from funds.models import ProjectPolicy, SubsidyStandard


def _in_force(model, area_code: str, year: int):
    """Lines of ``model`` valid for ``year`` in ``area_code``: latest year first, then the most specific area."""
    return (select(model).where(model.year <= year, literal(area_code).like(model.area_prefix + "%"))
            .order_by(model.year.desc(), func.length(model.area_prefix).desc()))


async def standards_in_force(session: AsyncSession, kind: SubsidyKind, area_code: str,
                             year: int) -> dict[str, SubsidyStandard]:
    """The line in force for each item of the standard of ``kind``."""
    lines: dict[str, SubsidyStandard] = {}
    for line in (await session.execute(_in_force(SubsidyStandard, area_code, year)
                                       .where(SubsidyStandard.kind == kind.value))).scalars():
        lines.setdefault(line.item, line)
    return lines


async def project_policy(session: AsyncSession, area_code: str, year: int) -> ProjectPolicy | None:
    """The project policy in force for the year and area: its own line or the nearest one above."""
    return (await session.execute(_in_force(ProjectPolicy, area_code, year).limit(1))).scalars().first()


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
