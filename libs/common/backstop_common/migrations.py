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
