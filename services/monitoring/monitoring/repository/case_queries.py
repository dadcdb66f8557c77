"""The office's case lists: filtered, scoped to the caller's area, paged; all on indexed columns."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from monitoring.models import Case
from monitoring.models.cases import IDENTIFYING_SQL, OPEN_STAGES_SQL
from monitoring.vocab import IDENTIFYING


@dataclass
class CaseFilter:
    scope: str  # area-code prefix (the caller's, or a narrower area_code inside it)
    household_id: uuid.UUID | None = None
    stage: str | None = None
    category: str | None = None
    risk_type: str | None = None
    overdue: bool | None = None
    decision_overdue: bool | None = None  # the 15-day limit passed while still being identified


def _where(f: CaseFilter, now: datetime):
    conds = [Case.village_code.like(f"{f.scope}%")]
    if f.household_id:
        conds.append(Case.household_id == f.household_id)
    if f.stage:
        conds.append(Case.stage == f.stage)
    if f.category:
        conds.append(Case.category == f.category)
    if f.risk_type:
        conds.append(Case.risk_types.any(f.risk_type))
    if f.overdue is True:
        conds += [text(OPEN_STAGES_SQL), Case.next_due_at < now]
    elif f.overdue is False:
        conds.append(or_(Case.next_due_at.is_(None), Case.next_due_at >= now,
                         Case.stage.in_(("rejected", "eliminated"))))
    if f.decision_overdue is True:
        conds += [text(IDENTIFYING_SQL), Case.decision_due_at < now]
    elif f.decision_overdue is False:
        conds.append(or_(Case.decision_due_at.is_(None), Case.decision_due_at >= now,
                         Case.stage.not_in(IDENTIFYING)))
    return conds


async def page(session: AsyncSession, f: CaseFilter, now: datetime, limit: int, offset: int) -> tuple[list[Case], int]:
    conds = _where(f, now)
    total = (await session.execute(select(func.count()).select_from(Case).where(*conds))).scalar_one()
    rows = await session.execute(select(Case).where(*conds).order_by(Case.opened_at.desc(), Case.id)
                                 .limit(limit).offset(offset))
    return list(rows.scalars()), total


async def for_household(session: AsyncSession, household_id: uuid.UUID) -> list[Case]:
    rows = await session.execute(select(Case).where(Case.household_id == household_id).order_by(Case.opened_at))
    return list(rows.scalars())
