"""Funds' background job (ServiceSpec.background): the sweep, whose unit of work this runner commits."""

from fastapi import FastAPI

from backstop_common.jobs import periodic
from backstop_common.uow import UnitOfWork
from funds.domain.sweeper import STEPS


async def sweep_once(app: FastAPI) -> int:
    async with app.state.sessions() as session:
        uow = UnitOfWork(session, app.state.settings.service_name, app.state.relay.wake)
        now = app.state.clock()
        found = 0
        for step in STEPS:
            found += await step(uow, now)
        await uow.commit()
        return found


#: sweep every ``sweep_interval_s``
sweeper = periodic("funds.sweep", sweep_once)
