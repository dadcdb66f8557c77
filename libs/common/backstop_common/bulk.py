"""Many rows of a table in one statement: a batch's rows sent as one array parameter a column, made rows again by
``unnest`` — the bulk INSERT and UPDATE of the consumers' batches (issue 18).

Not SQLAlchemy's parameter sets: it turns them into multi-row VALUES row by row in Python (``insertmanyvalues``),
and each batch size is a statement of its own to prepare; the arrays are one statement, prepared once, whatever
the batch's size. JSONB travels as text and is cast back in the statement (asyncpg's arrays of JSONB go through
a codec call each element). A column that is an array itself cannot travel so — arrays of unequal length do not
unnest — and the builders refuse it.

    await session.execute(bulk.insert(table), bulk.arrays(table, rows))
    await con.execute(*bulk.for_driver(bulk.update(table, columns), bulk.arrays(table, rows, columns)))
"""

import functools
import json
import operator
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, TextClause, any_, bindparam, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, asyncpg

#: the rows' alias in every statement (``u.<column>``)
ALIAS = "u"


@functools.cache
def _layout(table: Table, columns: tuple[str, ...] | None) -> tuple[tuple[str, ...], frozenset[str]]:
    """The columns (every one of the table's when None), and which of them are JSON (they travel as text)."""
    names = tuple(c.name for c in table.columns) if columns is None else tuple(columns)
    for name in names:
        if isinstance(table.c[name].type, ARRAY):
            raise TypeError(f"{table.name}.{name} is an array: its rows cannot travel as one array a column")
    return names, frozenset(n for n in names if isinstance(table.c[n].type, JSONB))


def _sql_type(table: Table, name: str, as_json: frozenset[str]) -> str:
    return "text" if name in as_json else table.c[name].type.compile(dialect=postgresql.dialect())


def unnest(table: Table, columns: tuple[str, ...] | None = None) -> str:
    """``unnest(CAST(:a AS <type>[]), …) AS u(a, …)``: the rows of ``columns`` (every column when None), one array
    parameter a column named as the column, as a FROM item."""
    names, as_json = _layout(table, columns)
    arrays = ", ".join(f"CAST(:{n} AS {_sql_type(table, n, as_json)}[])" for n in names)
    return f"unnest({arrays}) AS {ALIAS}({', '.join(names)})"


def _value(name: str, as_json: frozenset[str]) -> str:
    return f"CAST({ALIAS}.{name} AS jsonb)" if name in as_json else f"{ALIAS}.{name}"


def _constant(table: Table, name: str, as_json: frozenset[str]) -> str:
    return f"CAST(:{name} AS {'jsonb' if name in as_json else _sql_type(table, name, as_json)})"


@functools.cache
def insert(table: Table, columns: tuple[str, ...] | None = None, *, constants: tuple[str, ...] = (),
           tail: str = "") -> TextClause:
    """``INSERT INTO <table> (<columns>, <constants>) SELECT … FROM unnest(…) <tail>``: the rows of ``arrays``,
    and ``constants`` — columns every row gives the same value — each one parameter (``constant_values``), not
    an array. ``tail``: e.g. ``ON CONFLICT DO NOTHING RETURNING id``."""
    names, as_json = _layout(table, columns)
    fixed, fixed_json = _layout(table, constants)
    if set(names) & set(fixed):
        raise ValueError(f"{sorted(set(names) & set(fixed))}: a column is given as an array or as a constant")
    values = [_value(n, as_json) for n in names] + [_constant(table, n, fixed_json) for n in fixed]
    return text(f"INSERT INTO {table.name} ({', '.join((*names, *fixed))}) SELECT {', '.join(values)} "
                f"FROM {unnest(table, columns)} {tail}".rstrip())


@functools.cache
def update(table: Table, columns: tuple[str, ...] | None = None) -> TextClause:
    """``UPDATE <table> t SET <each column but the key> = u.<column> FROM unnest(…) WHERE t.<key> = u.<key>``: the
    rows of ``arrays`` written over those of the same primary key (one of ``columns``)."""
    names, as_json = _layout(table, columns)
    (key,) = [c.name for c in table.primary_key]
    if key not in names:
        raise ValueError(f"{table.name}'s key {key} is not among the columns updated")
    changes = ", ".join(f"{n} = {_value(n, as_json)}" for n in names if n != key)
    return text(f"UPDATE {table.name} t SET {changes} FROM {unnest(table, columns)} WHERE t.{key} = {ALIAS}.{key}")


def arrays(table: Table, rows: Sequence[Any], columns: tuple[str, ...] | None = None) -> dict[str, list]:
    """The parameters of ``insert``/``update``: one list a column, in the rows' order. ``rows`` are mappings or
    objects (``SimpleNamespace``, ORM rows) holding every one of ``columns``; their values taken by one getter a
    row and turned into columns by ``zip`` (a comprehension a column is three times the time); JSON as its text,
    an empty list's without encoding it."""
    names, as_json = _layout(table, columns)
    if not rows:
        return {n: [] for n in names}
    getter = (operator.itemgetter if isinstance(rows[0], Mapping) else operator.attrgetter)(*names)
    if len(names) == 1:
        found = {names[0]: list(map(getter, rows))}
    else:
        found = dict(zip(names, map(list, zip(*map(getter, rows))), strict=True))
    for name in as_json:
        found[name] = ["[]" if value == [] else json.dumps(value) for value in found[name]]
    return found


def among(column: ColumnElement, name: str = "ids") -> ColumnElement:
    """``<column> = ANY(:name)``: the values as one array parameter of the column's type — not ``IN (…)``, whose
    parameters SQLAlchemy renders anew for every execution, each list's length a statement of its own to prepare
    (a consumer's fetch names hundreds of households, issue 18)."""
    return column == any_(bindparam(name, type_=ARRAY(column.type)))


def constant_values(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of ``insert``'s ``constants``: each column's value, JSON as its text."""
    _, as_json = _layout(table, tuple(values))
    return {n: json.dumps(v) if n in as_json else v for n, v in values.items()}


def for_driver(statement: TextClause, parameters: Mapping[str, Any]) -> tuple[str, ...]:
    """``statement`` and its ``parameters`` for asyncpg's own connection (``db.driver_connection``): its text with
    ``$1``, ``$2``, … and the values in that order, as ``connection.execute(text, *values)`` takes them."""
    text_, names = _positional(statement)
    return text_, *(parameters[name] for name in names)


@functools.cache
def _positional(statement: TextClause) -> tuple[str, tuple[str, ...]]:
    compiled = statement.compile(dialect=asyncpg.dialect())
    return str(compiled), tuple(compiled.positiontup)
