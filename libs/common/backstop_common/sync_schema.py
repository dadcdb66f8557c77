"""The tables behind offline sync (``sync.py``): who wrote each listed row last, and the tombstones.

Every listed table carries ``changed_xid``: the id of the transaction that last wrote the row (PostgreSQL's
``pg_current_xact_id()``, 64 bits, never reused), set by a trigger on every insert and update — whichever
code path writes (a route, a consumer, an import, a bulk COPY). A second trigger writes a tombstone
(``sync_tombstones``) when a row is deleted or its scope column changes (a household moving to another
village): the caller of the old scope is told to drop it. Revisions call ``create_sync_tables()`` once per
database, then ``track_changes(...)`` per listed table.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, text
from sqlmodel import Field, SQLModel

#: the writing transaction's id as a plain bigint (xid8 has no asyncpg codec; 2^63 transactions is forever)
XID_NOW = "pg_current_xact_id()::text::bigint"

MARK_CHANGED = f"""
CREATE OR REPLACE FUNCTION backstop_mark_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_xid := {XID_NOW};
    RETURN NEW;
END $$"""

# TG_ARGV: the list's name, the scope column; to_jsonb reads the column whichever table fired
TOMBSTONE = """
CREATE OR REPLACE FUNCTION backstop_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_scope text := to_jsonb(OLD) ->> TG_ARGV[1];
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO sync_tombstones (list, item_id, scope, reason) VALUES (TG_ARGV[0], OLD.id, old_scope, 'deleted');
    ELSIF old_scope IS DISTINCT FROM to_jsonb(NEW) ->> TG_ARGV[1] THEN
        INSERT INTO sync_tombstones (list, item_id, scope, reason) VALUES (TG_ARGV[0], OLD.id, old_scope, 'moved_out');
    END IF;
    RETURN NULL;
END $$"""


def changed_xid() -> Any:
    """The model's ``changed_xid`` column (the trigger sets it; the model only reads it)."""
    return Field(default=None, sa_column=Column(BigInteger, nullable=False, server_default=text(XID_NOW)))


class Tombstone(SQLModel, table=True):
    """A row that left a list (迁出 or 删除): ``scope`` is where it was (an area code, or a recipient id)."""

    __tablename__ = "sync_tombstones"
    __table_args__ = (Index("ix_sync_tombstones_list_xid", "list", "changed_xid", "item_id"),)

    seq: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(always=False), primary_key=True))
    list: str
    item_id: uuid.UUID
    scope: str
    reason: str
    removed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False,
                                                  server_default=text("now()")))
    changed_xid: int = changed_xid()


def create_sync_tables() -> None:
    """Inside a service's revision ``upgrade()``: the tombstone table and the two trigger functions."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "sync_tombstones",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), primary_key=True),
        sa.Column("list", sa.String(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("changed_xid", sa.BigInteger(), server_default=sa.text(XID_NOW), nullable=False),
    )
    op.create_index("ix_sync_tombstones_list_xid", "sync_tombstones", ["list", "changed_xid", "item_id"])
    op.execute(MARK_CHANGED)
    op.execute(TOMBSTONE)


def drop_sync_tables() -> None:
    from alembic import op

    op.drop_table("sync_tombstones")
    op.execute("DROP FUNCTION backstop_tombstone()")
    op.execute("DROP FUNCTION backstop_mark_changed()")


def track_changes(table: str, *, leading: tuple[str, ...] = (), tombstones: tuple[str, str] | None = None) -> None:
    """``table`` gets ``changed_xid``, its trigger and the index the sync reads by (``leading`` columns first,
    e.g. the village, so one village's changes are a short range); ``tombstones=(list, scope column)`` also
    writes a tombstone when a row is deleted or leaves its scope."""
    import sqlalchemy as sa
    from alembic import op

    # a volatile default rewrites the table once: every existing row gets this migration's transaction
    op.add_column(table, sa.Column("changed_xid", sa.BigInteger(), server_default=sa.text(XID_NOW), nullable=False))
    op.create_index(f"ix_{table}_sync", table, [*leading, "changed_xid", "id"])
    op.execute(f"CREATE TRIGGER {table}_changed BEFORE INSERT OR UPDATE ON {table} "
               "FOR EACH ROW EXECUTE FUNCTION backstop_mark_changed()")
    if tombstones:
        name, scope = tombstones
        op.execute(f"CREATE TRIGGER {table}_tombstone AFTER UPDATE OF {scope} OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION backstop_tombstone('{name}', '{scope}')")


def untrack_changes(table: str) -> None:
    from alembic import op

    op.execute(f"DROP TRIGGER IF EXISTS {table}_tombstone ON {table}")
    op.execute(f"DROP TRIGGER {table}_changed ON {table}")
    op.drop_index(f"ix_{table}_sync", table_name=table)
    op.drop_column(table, "changed_xid")
