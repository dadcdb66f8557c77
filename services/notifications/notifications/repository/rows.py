"""What every set-based insert of this service does to its rows before the statement."""

import functools
import operator
import uuid

from sqlalchemy import Table, TextClause, text
from sqlalchemy.dialects import postgresql


def with_new_ids(rows: list[dict]) -> list[dict]:
    """The rows as one statement's parameter sets, each given a new primary key ``id``."""
    return [{"id": uuid.uuid4(), **r} for r in rows]


@functools.cache
def unnest_insert(table: Table, columns: tuple[str, ...], tail: str = "") -> TextClause:
    """``INSERT INTO table (columns) SELECT … FROM unnest(one array a column) … tail``: the rows of a batch in one
    statement whatever their number, one parameter a column (``column_arrays``). SQLAlchemy's parameter sets are
    turned into multi-row VALUES row by row in Python (``insertmanyvalues``): a bulk import's fetch routes ~500
    events into ~1,000 messages and deliveries (issue 18)."""
    types = [table.c[name].type.compile(dialect=postgresql.dialect()) for name in columns]
    arrays = ", ".join(f"CAST(:{name} AS {sql_type}[])" for name, sql_type in zip(columns, types, strict=True))
    names = ", ".join(columns)
    return text(f"INSERT INTO {table.name} ({names}) SELECT {names} FROM unnest({arrays}) AS u({names}) {tail}")


def column_arrays(rows: list[dict], columns: tuple[str, ...]) -> dict[str, list]:
    """``rows`` as one list a column, in the rows' order (each row must hold every one of ``columns``)."""
    return dict(zip(columns, map(list, zip(*map(operator.itemgetter(*columns), rows))), strict=True))
