"""Missed supervision deadlines, escalated once each to the level above whoever owns the step: a report's
acceptance (the county desk), its handling (the handling unit); a declaration's verification (the village)."""

from datetime import datetime

from backstop_common.auth import parent_area
from backstop_common.jobs import Sweep
from backstop_common.uow import UnitOfWork
from monitoring.supervision import repository
from monitoring.supervision.declarations import sweep_declarations
from monitoring.supervision.models import Report
from monitoring.supervision.reports import publish, record_step
from monitoring.supervision.routing import at_level



def step_owner(report: Report) -> str:
    return at_level(report.area_code, "county") if report.step == "accept" else report.handling_area


async def sweep_reports(uow: UnitOfWork, now: datetime) -> int:
    reports = await repository.overdue_reports(uow.session, now)
    for report in reports:
        report.escalated_steps = [*report.escalated_steps, report.step]
        uow.session.add(report)
        record_step(uow, report, "overdue", report.status, None, report.step)
        publish(uow, "report.overdue", report, reason=report.step, escalate_to=parent_area(step_owner(report)))
    return len(reports)


#: one round, one unit of work the kernel's job runner commits: reports and declarations past their step
supervision_sweep = Sweep("supervision.sweep", sweep_reports, sweep_declarations, interval="supervision_sweep_interval_s")
supervision_sweeper = supervision_sweep.job
