"""Periodic background jobs (sweepers) for ``ServiceSpec.background``, written once."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from fastapi import FastAPI

log = structlog.get_logger()


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
