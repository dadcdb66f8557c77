"""The export's two statements, compiled here and run by the export's own process (export_worker.py).

Both take the list's filter (repository/filters.py) as positional parameters: the rows (every current
member of the filtered households, the area names beside) and the access-log rows of an unmasked reader.
"""

import functools

from sqlalchemy import String, bindparam, exists, insert, literal_column, select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from registry.models import AccessLogEntry, Area, Household, Member
from registry.repository.audit import IDENTIFIER_FIELDS
from registry.repository.filters import HouseholdFilter, conditions, parameters

_DIALECT = asyncpg_dialect()
#: the most rows a worksheet holds (Excel's limit, 2^20, less the header row)
MAX_ROWS = 1_048_575
HOUSEHOLD_COLUMNS = ("village_code", "natural_village", "household_number", "size", "poverty_status",
                     "year_lifted", "dibao", "tekun", "monitoring_category", "risk_eliminated", "risk_identified_on",
                     "risk_eliminated_on", "main_cause", "housing_grade",
                     "safe_water", "per_capita_income", "phone")
MEMBER_COLUMNS = ("person_number", "name", "id_number", "sex", "birth_date", "relation", "ethnicity", "education",
                  "schooling_stage", "schooling_status", "health", "disability_grade", "labour_capacity",
                  "employment", "migrant_months", "medical_insurance", "pension", "phone")


#: SQL text and its positional values (a plain tuple: the export's process unpickles it without SQLAlchemy)
Statement = tuple[str, tuple]


def _statement(query, values: dict) -> Statement:
    """Compiled once per shape (the queries are cached per shape); constants such as the row limit are
    bound parameters too and come with the compiled form."""
    sql, names, constants = _compile(query)
    values = {**constants, **values}
    return sql, tuple(values[name] for name in names)


@functools.lru_cache(maxsize=256)
def _rows_query(shape: tuple[str, ...]):
    village, township, county = (Area.__table__.alias(n) for n in ("village", "township", "county"))
    columns = ([getattr(Household, n).label(f"h_{n}") for n in HOUSEHOLD_COLUMNS]
               + [getattr(Member, n).label(f"m_{n}") for n in MEMBER_COLUMNS]
               + [county.c.name.label("county"), township.c.name.label("township"), village.c.name.label("village")])
    return (select(*columns).join(Member, Member.household_id == Household.id)
            .outerjoin(village, village.c.code == Household.village_code)
            .outerjoin(township, township.c.code == village.c.parent_code)
            .outerjoin(county, county.c.code == township.c.parent_code)
            .where(*conditions(shape), Member.removed_on.is_(None))
            .order_by(Household.village_code, Household.household_number, Household.id, Member.is_head.desc(),
                      Member.birth_date, Member.id)
            .limit(MAX_ROWS))


@functools.lru_cache(maxsize=256)
def _log_query(shape: tuple[str, ...]):
    reader = [bindparam(name, type_=String) for name in ("subject", "role", "path")]
    listed = exists().where(Member.household_id == Household.id, Member.removed_on.is_(None)).correlate(Household)
    households = select(reader[0], reader[1], Household.id, reader[2], literal_column(f"'{IDENTIFIER_FIELDS}'"))
    return insert(AccessLogEntry).from_select(["subject", "role", "household_id", "path", "fields"],
                                              households.where(*conditions(shape), listed))


@functools.lru_cache(maxsize=512)
def _compile(query) -> tuple[str, tuple[str, ...], dict]:
    compiled = query.compile(dialect=_DIALECT)
    return str(compiled), tuple(compiled.positiontup), compiled.params


def rows_statement(f: HouseholdFilter) -> Statement:
    return _statement(_rows_query(f.shape()), parameters(f))


def access_log_statement(f: HouseholdFilter, subject: str, role: str, path: str) -> Statement:
    """Every exported household, one ``access_log`` row each, in the export's own transaction."""
    return _statement(_log_query(f.shape()), {**parameters(f), "subject": subject, "role": role, "path": path})
