"""Registry's background jobs (ServiceSpec.background): the kernel's job runner commits what they do."""

from datetime import datetime

from fastapi import FastAPI

from backstop_common.jobs import periodic, unit_of_work
from registry.domain.access_log import purge_expired


async def purge_once(app: FastAPI, now: datetime | None = None) -> int:
    """One round of the access log's retention (``access_log_retention_years``)."""
    async with unit_of_work(app) as uow:
        return await purge_expired(uow, now or uow.clock.now(), app.state.settings.access_log_retention_years)


purger = periodic("access_log.purge", purge_once, interval="access_log_purge_interval_s")
