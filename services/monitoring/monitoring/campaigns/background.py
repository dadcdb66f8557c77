"""The overdue sweeper: ``problem.overdue`` once per problem and deadline, set-based."""

import asyncio

import structlog
from fastapi import FastAPI

from monitoring.campaigns import repository
from monitoring.clock import clock

log = structlog.get_logger()


async def sweep_once(app: FastAPI) -> int:
    async with app.state.sessions() as session:
        n = await repository.sweep_overdue(session, clock.now())
        await session.commit()
    if n:
        app.state.relay.wake()
        log.info("campaigns.problems_overdue", count=n)
    return n


async def overdue_sweeper(app: FastAPI) -> None:
    settings = app.state.settings
    if not getattr(settings, "sweeper_enabled", True):
        return
    while True:
        try:
            await sweep_once(app)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away: try again next round
            log.warning("campaigns.sweep_failed", error=repr(exc)[:200])
        await asyncio.sleep(getattr(settings, "sweep_interval_s", 60.0))


BACKGROUND = [overdue_sweeper]
