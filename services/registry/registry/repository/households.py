"""Queries on households: fetch, lock, and the filtered, sorted, paged list."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, exists, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from registry.models import Household, Member


async def get_household(session: AsyncSession, household_id: uuid.UUID, *, lock: bool = False
                        ) -> Household | None:
    return await session.get(Household, household_id, with_for_update=lock or None)


async def number_taken(session: AsyncSession, household_number: str) -> bool:
    query = select(exists().where(Household.household_number == household_number))
    return (await session.execute(query)).scalar_one()


@dataclass
class HouseholdFilter:
    """What a township office filters the list by; every field optional."""

    scope: str
    area_prefix: str | None = None
    status: str | None = None
    monitoring_category: str | None = None
    cause: str | None = None
    tag: str | None = None
    income_below: Decimal | None = None
    housing_grades: list[str] | None = None
    unsafe_water: bool | None = None
    dropout: bool | None = None
    uninsured: bool | None = None
    dibao: bool | None = None
    tekun: bool | None = None
    id_number: str | None = None
    name: str | None = None
    pinyin: str | None = None
    household_number: str | None = None


def _current_member(*conditions):
    return exists().where(Member.household_id == Household.id, Member.removed_on.is_(None), *conditions)


def _conditions(f: HouseholdFilter) -> list:
    c = [Household.village_code.startswith(f.scope, autoescape=True)]
    if f.area_prefix:
        c.append(Household.village_code.startswith(f.area_prefix, autoescape=True))
    simple = {Household.poverty_status: f.status, Household.monitoring_category: f.monitoring_category,
              Household.dibao: f.dibao, Household.tekun: f.tekun, Household.household_number: f.household_number}
    c += [column == value for column, value in simple.items() if value is not None]
    if f.cause:
        c.append(or_(Household.main_cause == f.cause, Household.other_causes.any(f.cause)))
    if f.tag:
        c.append(Household.tags.contains([f.tag]))
    if f.income_below is not None:
        c.append(Household.per_capita_income < f.income_below)
    if f.housing_grades:
        c.append(Household.housing_grade.in_(f.housing_grades))
    if f.unsafe_water:
        c.append(Household.safe_water.is_(False))
    if f.dropout:
        c.append(_current_member(Member.schooling_status == "dropped_out"))
    if f.uninsured:
        c.append(_current_member(Member.medical_insurance.is_(False)))
    if f.id_number:
        c.append(_current_member(Member.id_number == f.id_number))
    if f.name:
        c.append(_current_member(Member.name.contains(f.name, autoescape=True)))
    if f.pinyin:
        c.append(_current_member(or_(Member.name_pinyin.startswith(f.pinyin, autoescape=True),
                                     Member.name_initials.startswith(f.pinyin, autoescape=True),
                                     and_(func.length(f.pinyin) >= 3,
                                          Member.name_pinyin.contains(f.pinyin, autoescape=True)))))
    return c


SORTS = {"village_code": Household.village_code, "household_number": Household.household_number,
         "per_capita_income": Household.per_capita_income, "size": Household.size,
         "created_at": Household.created_at, "updated_at": Household.updated_at}


def _head():
    return Member.__table__.alias("head")


async def search(session: AsyncSession, f: HouseholdFilter, sort: str, limit: int, offset: int
                 ) -> tuple[list[tuple[Household, str | None, str | None]], int]:
    """Rows of (household, head's name, head's ID number) and the total before paging."""
    where = _conditions(f)
    total = (await session.execute(select(func.count()).select_from(Household).where(*where))).scalar_one()
    head = _head()
    key = SORTS[sort.lstrip("-")]
    order = key.desc().nulls_last() if sort.startswith("-") else key.asc().nulls_last()
    query = (select(Household, head.c.name, head.c.id_number)
             .outerjoin(head, and_(head.c.household_id == Household.id, head.c.is_head,
                                   head.c.removed_on.is_(None)))
             .where(*where).order_by(order, Household.id).limit(limit).offset(offset))
    return [tuple(r) for r in (await session.execute(query)).all()], total


async def export_rows(session: AsyncSession, f: HouseholdFilter, limit: int):
    """Every current member of the filtered households, household fields beside (for XLSX export)."""
    query = (select(Household, Member).join(Member, Member.household_id == Household.id)
             .where(*_conditions(f), Member.removed_on.is_(None))
             .order_by(Household.village_code, Household.household_number, Household.id,
                       Member.is_head.desc(), Member.birth_date).limit(limit))
    result = await session.stream(query.execution_options(yield_per=2000))
    async for household, member in result:
        yield household, member
