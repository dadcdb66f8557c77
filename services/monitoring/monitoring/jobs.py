"""Monitoring's background jobs (``ServiceSpec.background``): the kernel's job runner builds each round's
unit of work with the app's clock and commits it; the steps are domain code. Also the recovery of a
province's re-screen by county (``domain.rescreen``) a crash left unfinished."""

from datetime import timedelta

import structlog
from fastapi import FastAPI

from backstop_common.jobs import Sweep, periodic, unit_of_work
from monitoring.domain import deadlines, dibao, key_visits, rescreen
from monitoring.repository import rescreen as rescreen_repo

log = structlog.get_logger()

#: one round, one transaction: 低保 phase-outs run out, key visits missed, cases' missed deadlines — each locks
#: the rows of the subjects it announces; households before cases, as a handler takes them
deadline_sweep = Sweep("case.sweep", dibao.sweep_due, key_visits.sweep, deadlines.sweep)
deadline_sweeper = deadline_sweep.job
sweep_once = deadline_sweep.once


async def recover_rescreens(app: FastAPI) -> int:
    """Finish the county re-screens a crash left pending (pending longer than
    ``settings.rescreen_recover_after_s``: a running PUT is still doing its own); how many were done."""
    now = app.state.clock.now()
    async with app.state.sessions() as session:
        left = await rescreen_repo.left_pending(
            session, now - timedelta(seconds=app.state.settings.rescreen_recover_after_s))
    done = [r for year, scope, county in left
            if (r := await rescreen.county_committed(lambda: unit_of_work(app), year, scope, county, now))]
    if done:
        log.info("rescreen.recovered", counties=len(done))
    return len(done)


rescreen_recovery = periodic("rescreen.recovery", recover_rescreens)
