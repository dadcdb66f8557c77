"""Background jobs (sweepers, purges) for ``ServiceSpec.background``, written once.

A job's domain work flushes and publishes; the job runner here builds its unit of work (with the app's
clock) and commits it — the third place a commit happens, after the request and the consumer.

    sweep = Sweep("funds.sweep", unspent_past_deadline, stage_overdue)   # steps: (uow, now) -> found
    ServiceSpec(..., background=[sweep.job])                              # every settings.sweep_interval_s
    await sweep.once(app)                                                 # tests drive one round
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import structlog
from fastapi import FastAPI

from backstop_common.uow import UnitOfWork

log = structlog.get_logger()

#: one part of a sweep: finds what is due at ``now``, records and publishes it, returns how many
Step = Callable[[UnitOfWork, datetime], Awaitable[int]]


@contextlib.asynccontextmanager
async def unit_of_work(app: FastAPI) -> AsyncIterator[UnitOfWork]:
    """A job's unit of work: commits (and wakes the outbox relay) when the block ends; an error rolls back."""
    async with app.state.sessions() as session:
        uow = UnitOfWork(session, app.state.settings.service_name, app.state.relay.wake, clock=app.state.clock)
        yield uow
        await uow.commit()


def periodic(name: str, step: Callable[[FastAPI], Awaitable[Any]],
             interval: str = "sweep_interval_s") -> Callable[[FastAPI], Awaitable[None]]:
    """Run ``step(app)`` every ``settings.<interval>`` (``sweep_interval_s`` unless named); an error (e.g. the
    database away) is logged and the next round tries again. ``settings.sweeper_enabled = False`` turns the job off (tests drive steps)."""

    async def job(app: FastAPI) -> None:
        settings = app.state.settings
        if not getattr(settings, "sweeper_enabled", True):
            return
        while True:
            try:
                await step(app)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(f"{name}.failed", error=repr(exc)[:200])
            await asyncio.sleep(getattr(settings, interval, 60.0))

    job.__name__ = name
    return job


class Sweep:
    """A sweeper (巡查): its steps run at one ``now`` in one unit of work, committed together, so what one
    round finds is recorded and announced all or nothing."""

    def __init__(self, name: str, *steps: Step, interval: str = "sweep_interval_s"):
        self.name, self.steps = name, steps
        self.job = periodic(name, self.once, interval)

    async def once(self, app: FastAPI, now: datetime | None = None) -> int:
        async with unit_of_work(app) as uow:
            at = now or uow.clock.now()
            found = 0
            for step in self.steps:
                found += await step(uow, at)
        if found:
            log.info(f"{self.name}.found", count=found)
        return found
