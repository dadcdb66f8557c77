"""Alembic, once: each service's ``migrations/env.py`` calls ``run_env()``; tools call ``upgrade()``."""

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from backstop_common.db import async_url


def alembic_config(service: str, database_url: str) -> Config:
    """``service`` is the package name; its migrations live in ``<package>/migrations``."""
    package = __import__(service)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(package.__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, database_url), revision)


def current_revision(service: str, database_url: str) -> str | None:
    """The revision a service's database is at (None before its first migration)."""

    async def read() -> str | None:
        engine = create_async_engine(async_url(database_url), poolclass=pool.NullPool)
        try:
            async with engine.connect() as connection:
                heads = await connection.run_sync(lambda c: MigrationContext.configure(c).get_current_heads())
        finally:
            await engine.dispose()
        return ", ".join(heads) or None

    return asyncio.run(read())


def autogenerate(service: str, database_url: str, message: str) -> None:
    command.revision(alembic_config(service, database_url), message=message, autogenerate=True)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=SQLModel.metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(async_url(url), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


def run_env() -> None:
    """Body of every service's ``env.py`` (online mode only: we always migrate a live database)."""
    url = context.config.get_main_option("sqlalchemy.url")
    asyncio.run(_run_async(url))


def create_idempotency_table() -> None:
    """Inside a service's revision ``upgrade()``: the table ``idempotency.py`` keeps first answers in."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "idempotency_keys",
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("request_hash", sa.String(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("subject", "key"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def drop_idempotency_table() -> None:
    from alembic import op

    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")


def hold_outbox_by_round() -> None:
    """Inside a service's revision ``upgrade()``: what is held for consumer groups moves from each outbox row's
    partition and offset to a row a round and partition (``messaging_models.OutboxHeld``). What was held stays held:
    a partition's rows become one round ending at their last offset."""
    import sqlalchemy as sa
    from alembic import op
    from sqlalchemy.dialects.postgresql import ARRAY

    op.create_table(
        "outbox_held",
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("last_offset", sa.BigInteger(), nullable=False),
        sa.Column("seqs", ARRAY(sa.BigInteger()), nullable=False),
        sa.PrimaryKeyConstraint("topic", "partition", "last_offset"),
    )
    op.execute('INSERT INTO outbox_held (topic, partition, last_offset, seqs) '
               'SELECT topic, partition, max("offset"), array_agg(seq ORDER BY seq) FROM outbox '
               'WHERE "offset" IS NOT NULL GROUP BY topic, partition')
    op.drop_index("ix_outbox_unconfirmed", table_name="outbox")
    op.drop_column("outbox", "offset")
    op.drop_column("outbox", "partition")


def hold_outbox_by_row() -> None:
    """``hold_outbox_by_round`` undone: each held row gets its round's partition and last offset back."""
    import sqlalchemy as sa
    from alembic import op

    op.add_column("outbox", sa.Column("partition", sa.Integer(), nullable=True))
    op.add_column("outbox", sa.Column("offset", sa.BigInteger(), nullable=True))
    op.create_index("ix_outbox_unconfirmed", "outbox", ["topic", "partition", "offset"],
                    postgresql_where=sa.text('"offset" IS NOT NULL'))
    op.execute('UPDATE outbox o SET partition = h.partition, "offset" = h.last_offset '
               'FROM (SELECT partition, last_offset, unnest(seqs) AS seq FROM outbox_held) h WHERE o.seq = h.seq')
    op.drop_table("outbox_held")
