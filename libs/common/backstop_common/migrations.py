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
