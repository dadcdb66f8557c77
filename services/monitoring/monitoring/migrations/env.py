"""Alembic environment of the monitoring service (the shared runner, this service's tables)."""

from backstop_common.migrations import run_env

from monitoring import models  # noqa: F401  (registers the tables on the metadata)
from monitoring.campaigns import models as campaign_models  # noqa: F401
from monitoring.supervision import models as supervision_models  # noqa: F401

run_env()
