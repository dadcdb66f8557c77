"""Alembic environment of the registry service (the shared runner, this service's tables)."""

from backstop_common.migrations import run_env

from registry import models  # noqa: F401  (registers the tables on the metadata)

run_env()
