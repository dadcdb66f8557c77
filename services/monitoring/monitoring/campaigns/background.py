"""The overdue sweeper: ``problem.overdue`` once per problem and deadline, set-based."""

import structlog
from fastapi import FastAPI

from backstop_common.jobs import periodic

from monitoring.campaigns import repository

log = structlog.get_logger()


async def sweep_once(app: FastAPI) -> int:
    async with app.state.sessions() as session:
        n = await repository.sweep_overdue(session, app.state.clock.now())
        await session.commit()
    if n:
        app.state.relay.wake()
        log.info("campaigns.problems_overdue", count=n)
    return n


overdue_sweeper = periodic("campaigns.sweep", sweep_once)


BACKGROUND = [overdue_sweeper]
