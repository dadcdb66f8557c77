"""Policy as data: subsidy standards and project policies per year and area."""

import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from backstop_common.app import UoW
from backstop_common.auth import CurrentPrincipal, Role, area_prefix
from backstop_common.problems import NotFound
from funds.api.common import plain
from funds.domain import standards
from funds.enums import SubsidyKind
from funds.models import ProjectPolicy, SubsidyStandard
from funds.schemas import StandardIn, StandardRead

router = APIRouter(tags=["policy"])
ADMINS = (Role.COUNTY_ADMIN, Role.SYSTEM)


@router.get("/standards")
async def list_standards(uow: UoW, principal: CurrentPrincipal, kind: SubsidyKind | None = None,
                         year: int | None = None):
    """Every standard line valid for the caller's area (their own and those above)."""
    query = select(SubsidyStandard).order_by(SubsidyStandard.kind, SubsidyStandard.item, SubsidyStandard.year)
    if kind:
        query = query.where(SubsidyStandard.kind == kind.value)
    if year:
        query = query.where(SubsidyStandard.year <= year)
    rows = [StandardRead.model_validate(r) for r in (await uow.session.execute(query)).scalars()
            if principal.area_code.startswith(r.area_prefix) or principal.covers(r.area_code)]
    return {"items": rows, "total": len(rows)}


@router.put("/standards", response_model=StandardRead)
async def put_standard(body: StandardIn, uow: UoW, principal: CurrentPrincipal):
    """Set one line of a standard for a year and area (a later year's line replaces it from then on)."""
    principal.ensure_role(*ADMINS)
    principal.ensure_covers(body.area_code, "area")
    values = body.model_dump() | {"kind": body.kind.value, "area_prefix": area_prefix(body.area_code)}
    stmt = insert(SubsidyStandard.__table__).values(id=uuid.uuid4(), **values)
    await uow.session.execute(stmt.on_conflict_do_update(
        index_elements=["year", "area_code", "kind", "item"],
        set_={k: stmt.excluded[k] for k in ("amount", "rate", "threshold", "cap")}))
    await uow.commit()
    row = (await uow.session.execute(select(SubsidyStandard).where(
        SubsidyStandard.year == body.year, SubsidyStandard.area_code == body.area_code,
        SubsidyStandard.kind == body.kind.value, SubsidyStandard.item == body.item)
        .execution_options(populate_existing=True))).scalar_one()
    return row


class PolicyIn(BaseModel):
    notice_days: int = Field(ge=1, le=90)
    stage_days: dict[str, Annotated[int, Field(ge=1)]] = {}
    min_return_rate: Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)] = Decimal("0.10")
    investment_per_person: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)] = Decimal("20000")


Code = Annotated[str, Path(pattern=r"^[0-9]{12}$")]


@router.get("/project-policies/{year}/{area_code}")
async def get_policy(year: int, area_code: Code, uow: UoW, principal: CurrentPrincipal):
    """The project policy in force for that year and area (its own line or the nearest one above)."""
    policy = await standards.project_policy(uow.session, area_code, year)
    if policy is None or not (principal.covers(area_code) or area_code.startswith(principal.scope)):
        raise NotFound("no project policy for that year and area")
    return plain(policy.model_dump())


@router.put("/project-policies/{year}/{area_code}")
async def put_policy(year: int, area_code: Code, body: PolicyIn, uow: UoW, principal: CurrentPrincipal):
    principal.ensure_role(*ADMINS)
    principal.ensure_covers(area_code, "area")
    values = body.model_dump() | {"year": year, "area_code": area_code, "area_prefix": area_prefix(area_code)}
    stmt = insert(ProjectPolicy.__table__).values(id=uuid.uuid4(), **values)
    await uow.session.execute(stmt.on_conflict_do_update(
        index_elements=["year", "area_code"],
        set_={k: stmt.excluded[k] for k in ("notice_days", "stage_days", "min_return_rate", "investment_per_person")}))
    await uow.commit()
    return await get_policy(year, area_code, uow, principal)
