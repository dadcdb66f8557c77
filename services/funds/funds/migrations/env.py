"""Alembic environment of the funds service (the shared runner, this service's tables)."""

from backstop_common.migrations import run_env

from funds import models  # noqa: F401  (registers the tables on the metadata)

run_env()
