"""Anomaly and suggestion queries: recording an anomaly once by its key, and the office's lists."""

import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common import bulk
from backstop_common.auth import Principal, area_prefix
from backstop_common.paging import Page, PageParams
from funds.enums import AnomalyKind, SubsidyKind
from funds.models import Anomaly, Suggestion
from funds.repository import page, where_equal
from funds.schemas import AnomalyRead, SuggestionRead


async def insert_once(session: AsyncSession, values: dict) -> uuid.UUID | None:
    """Insert the anomaly unless its key is known: the new id, or None when it was recorded before."""
    query = (insert(Anomaly.__table__).values(id=uuid.uuid4(), **values)
             .on_conflict_do_nothing(index_elements=["key"]).returning(Anomaly.__table__.c.id))
    return (await session.execute(query)).scalar_one_or_none()


async def id_by_key(session: AsyncSession, key: str) -> uuid.UUID:
    return (await session.execute(select(Anomaly.id).where(Anomaly.key == key))).scalar_one()


async def open_of_household(session: AsyncSession, household_id: uuid.UUID, kind: AnomalyKind) -> list[Anomaly]:
    """The household's unresolved anomalies of ``kind``, row-locked (two events never close one twice)."""
    query = select(Anomaly).where(Anomaly.household_id == household_id, Anomaly.kind == kind.value,
                                  Anomaly.resolved_at.is_(None)).with_for_update()
    return list((await session.execute(query)).scalars())


async def households_with_open(session: AsyncSession, household_ids: list[uuid.UUID],
                               kind: AnomalyKind) -> set[uuid.UUID]:
    """Which of these households have an unresolved anomaly of ``kind`` (one query for a batch)."""
    if not household_ids:
        return set()
    return set((await session.execute(_WITH_OPEN, {"ids": household_ids, "kind": kind.value})).scalars())


#: the households as one array parameter (``bulk.among``)
_WITH_OPEN = select(Anomaly.household_id).distinct().where(
    bulk.among(Anomaly.__table__.c.household_id), Anomaly.kind == bindparam("kind"), Anomaly.resolved_at.is_(None))


async def list_anomalies(session: AsyncSession, principal: Principal, paging: PageParams, *,
                         kind: AnomalyKind | None, area_code: str | None, household_id: uuid.UUID | None,
                         project_id: uuid.UUID | None, allocation_id: uuid.UUID | None = None) -> Page:
    query = select(Anomaly).where(Anomaly.area_code.like(principal.scope + "%"))
    if area_code:
        query = query.where(Anomaly.area_code.like(area_prefix(area_code) + "%"))
    query = where_equal(query, (Anomaly.kind, kind), (Anomaly.household_id, household_id),
                        (Anomaly.project_id, project_id), (Anomaly.allocation_id, allocation_id))
    return await page(session, query, paging, AnomalyRead, Anomaly.detected_at, Anomaly.id)


async def list_suggestions(session: AsyncSession, principal: Principal, paging: PageParams, *,
                           household_id: uuid.UUID | None, area_code: str | None, kind: SubsidyKind | None,
                           status: str | None) -> Page:
    query = select(Suggestion).where(Suggestion.village_code.like(principal.scope + "%"))
    if area_code:
        query = query.where(Suggestion.village_code.like(area_prefix(area_code) + "%"))
    query = where_equal(query, (Suggestion.household_id, household_id), (Suggestion.kind, kind),
                        (Suggestion.status, status))
    return await page(session, query, paging, SuggestionRead, Suggestion.created_at, Suggestion.id)
