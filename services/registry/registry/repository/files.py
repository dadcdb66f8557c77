"""The two hot reads, each one statement: a household's whole file, and a page of the list.

PostgreSQL builds the JSON from the API schemas' own field names (money as text, as the API writes
it): one round trip, no ORM objects, no re-validation; the unmasked reader's access-log rows are
written by the same statement. bench/RESULTS.md has the before and after.
"""

import decimal
import functools
import typing
import uuid

from pydantic import BaseModel
from sqlalchemy import Integer, String, Text, and_, bindparam, cast, func, insert, literal_column, select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.db import driver_connection
from registry.models import AccessLogEntry, Household, Member
from registry.repository.audit import IDENTIFIER_FIELDS
from registry.repository.filters import SORTS, HouseholdFilter, conditions, parameters
from registry.schemas.households import HouseholdRead, HouseholdRow
from registry.schemas.members import MemberRead
from registry.schemas.records import (
    DisasterRead, HelperRead, HousingAssessmentRead, IncomeAssessmentRead, MeasureRead, WaterAssessmentRead,
)

_DIALECT = asyncpg_dialect()
Reader = tuple[str, str, str]  # who reads unmasked identifiers: subject, role, path


def is_money(annotation) -> bool:
    return annotation is decimal.Decimal or any(is_money(a) for a in typing.get_args(annotation))


def _pairs(alias: str, schema: type[BaseModel]) -> list[str]:
    return [f"'{name}', {alias}.{name}{'::text' if is_money(field.annotation) else ''}"
            for name, field in schema.model_fields.items()]


def _list(table: str, schema: type[BaseModel], order: str, where: str = "") -> str:
    row = f"json_build_object({', '.join(_pairs('r', schema))})"
    return f"(SELECT coalesce(json_agg({row} ORDER BY {order}), '[]') FROM {table} r WHERE r.household_id = h.id{where})"


_MEMBER_ORDER = "r.is_head DESC, r.birth_date, r.id"
_LISTS = {
    "members": _list("members", MemberRead, _MEMBER_ORDER, " AND r.removed_on IS NULL"),
    "former_members": _list("members", MemberRead, _MEMBER_ORDER, " AND r.removed_on IS NOT NULL"),
    "income_assessments": _list("income_assessments", IncomeAssessmentRead, "r.year DESC, r.created_at DESC"),
    "housing_assessments": _list("housing_assessments", HousingAssessmentRead,
                                 "r.assessed_on DESC, r.created_at DESC"),
    "water_assessments": _list("water_assessments", WaterAssessmentRead, "r.assessed_on DESC, r.created_at DESC"),
    "disasters": _list("disasters", DisasterRead, "r.occurred_on DESC"),
    "helpers": _list("helpers", HelperRead, "r.assigned_on, r.created_at"),
    "measures": _list("measures", MeasureRead, "r.given_on DESC, r.created_at DESC"),
}
_FILE_OBJECT = ", ".join(_pairs("h", HouseholdRead) + [f"'{k}', {v}" for k, v in _LISTS.items()])

FILE = f"""
WITH h AS (SELECT * FROM households WHERE id = $1 AND starts_with(village_code, $2)),
logged AS (INSERT INTO access_log (subject, role, household_id, path, fields)
           SELECT $3::text, $4::text, id, $5::text, '{IDENTIFIER_FIELDS}' FROM h WHERE $6::boolean)
SELECT json_build_object({_FILE_OBJECT})::text FROM h
"""


async def household_file(session: AsyncSession, household_id: uuid.UUID, scope: str,
                         reader: Reader | None) -> str | None:
    """The file as JSON text, or None outside ``scope``; a ``reader`` of identifiers is access-logged by the
    same statement (one round trip; the row commits with it, or with the session's transaction when one has
    begun), so no unmasked file is returned without its row."""
    con = await driver_connection(session)
    subject, role, path = reader or (None, None, None)
    return await con.fetchval(FILE, household_id, scope, subject, role, path, reader is not None)


def _page(shape: tuple[str, ...], sort: str):
    """The page's households first (sorted, limited), then their heads: 50 joins, not one per match."""
    key = SORTS[sort.lstrip("-")].key
    columns = [getattr(Household, n) for n in HouseholdRow.model_fields if hasattr(Household, n)]

    def ordered(column):
        return (column.desc() if sort.startswith("-") else column.asc()).nulls_last()

    h = (select(*dict.fromkeys([*columns, getattr(Household, key)])).where(*conditions(shape))
         .order_by(ordered(getattr(Household, key)), Household.id)
         .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)).subquery("h"))
    head = Member.__table__.alias("head")
    found = {"head_name": head.c.name, "head_id_number": head.c.id_number}
    row = [(cast(h.c[name], Text) if is_money(field.annotation) else found.get(name, h.c.get(name))).label(name)
           for name, field in HouseholdRow.model_fields.items()]
    return (select(*row)
            .select_from(h.outerjoin(head, and_(head.c.household_id == h.c.id, head.c.is_head,
                                                head.c.removed_on.is_(None))))
            .order_by(ordered(h.c[key]), h.c.id).cte("page"))


@functools.lru_cache(maxsize=512)
def page_statement(shape: tuple[str, ...], sort: str, logged: bool) -> tuple[str, tuple[str, ...], dict]:
    """SQL text, parameter order and the constants' values for one shape of list request, compiled once."""
    page = _page(shape, sort)
    total = select(func.count()).select_from(Household).where(*conditions(shape)).scalar_subquery()
    items = select(func.coalesce(func.json_agg(literal_column("page")), literal_column("'[]'::json")))
    query = select(total.label("total"), cast(items.select_from(page).scalar_subquery(), Text).label("items"))
    if logged:
        reader = [bindparam(name, type_=String) for name in ("subject", "role", "path")]
        logged_rows = insert(AccessLogEntry).from_select(
            ["subject", "role", "household_id", "path", "fields"],
            select(reader[0], reader[1], page.c.id, reader[2], literal_column(f"'{IDENTIFIER_FIELDS}'")))
        query = query.add_cte(logged_rows.cte("logged"))
    compiled = query.compile(dialect=_DIALECT)
    return str(compiled), tuple(compiled.positiontup), compiled.params


async def household_page(session: AsyncSession, f: HouseholdFilter, sort: str, limit: int, offset: int,
                         reader: Reader | None) -> tuple[str, int]:
    """(JSON array of list rows, total before paging); a ``reader`` of identifiers is access-logged."""
    sql, names, constants = page_statement(f.shape(), sort, reader is not None)
    values = {**constants, **parameters(f), "limit": limit, "offset": offset,
              **dict(zip(("subject", "role", "path"), reader or ()))}
    con = await driver_connection(session)
    row = await con.fetchrow(sql, *[values[name] for name in names])
    return row["items"], row["total"]
