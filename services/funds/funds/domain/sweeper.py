"""The background sweep: money unspent past a project's deadline, a project stuck in one stage too long,
an allocation left uncommitted too long.

Runs in every replica; the anomaly key makes each finding recorded and published once."""

from datetime import datetime, timedelta

import structlog
from fastapi import FastAPI
from sqlalchemy import func, select

from backstop_common.jobs import periodic
from backstop_common.uow import UnitOfWork
from funds.domain import anomalies, standards
from funds.enums import STAGE_LABELS, AnomalyKind, Stage
from funds.models import Allocation, Anomaly, Project, ProjectFunding

log = structlog.get_logger()


async def unspent_past_deadline(uow: UnitOfWork, now: datetime) -> int:
    unspent = func.sum(ProjectFunding.committed - ProjectFunding.spent)
    rows = (await uow.session.execute(
        select(Project, unspent).join(ProjectFunding, ProjectFunding.project_id == Project.id)
        .where(Project.deadline < now.date()).group_by(Project.id).having(unspent > 0))).all()
    for project, amount in rows:
        await anomalies.record(uow, f"unspent:{project.id}:{project.deadline}", AnomalyKind.UNSPENT_PAST_DEADLINE,
                               project.area_code, f"{amount} committed to the project is unspent past its "
                               f"deadline {project.deadline}", project_id=project.id, amount=amount)
    return len(rows)


async def stage_overdue(uow: UnitOfWork, now: datetime) -> int:
    found, policies = 0, {}
    rows = await uow.session.execute(select(Project).where(Project.stage != Stage.HANDED_OVER.value))
    for project in rows.scalars():
        key = (project.area_code, project.year)
        if key not in policies:
            policies[key] = await standards.project_policy(uow.session, *key)
        limit = (policies[key].stage_days if policies[key] else {}).get(project.stage)
        if limit is None or project.stage_entered_at + timedelta(days=int(limit)) >= now:
            continue
        found += 1
        await anomalies.record(uow, f"stage_overdue:{project.id}:{project.stage}", AnomalyKind.STAGE_OVERDUE,
                               project.area_code, f"in {STAGE_LABELS[Stage(project.stage)]} ({project.stage}) since "
                               f"{project.stage_entered_at.date()}, longer than the {limit} days allowed",
                               project_id=project.id)
    return found


async def idle_allocations(uow: UnitOfWork, now: datetime) -> int:
    """资金闲置: an allocation with money still uncommitted longer than its policy's ``idle_days``; once each."""
    found, policies = 0, {}
    flagged = select(Anomaly.id).where(Anomaly.allocation_id == Allocation.id,
                                       Anomaly.kind == AnomalyKind.IDLE_ALLOCATION.value)
    rows = await uow.session.execute(select(Allocation).where(Allocation.committed < Allocation.amount,
                                                              ~flagged.exists()))
    for allocation in rows.scalars():
        key = (allocation.area_code, allocation.year)
        if key not in policies:
            policies[key] = await standards.project_policy(uow.session, *key)
        days = policies[key].idle_days if policies[key] else None
        if days is None or allocation.created_at + timedelta(days=days) >= now:
            continue
        found += 1
        idle = allocation.amount - allocation.committed
        await anomalies.record(uow, f"idle:{allocation.id}", AnomalyKind.IDLE_ALLOCATION, allocation.area_code,
                               f"{idle} of allocation {allocation.id} ({allocation.purpose}) is still uncommitted "
                               f"{days} days after it was allocated on {allocation.created_at.date()}",
                               allocation_id=allocation.id, amount=idle)
    return found


async def sweep_once(app: FastAPI) -> int:
    async with app.state.sessions() as session:
        uow = UnitOfWork(session, app.state.settings.service_name, app.state.relay.wake)
        now = app.state.clock()
        found = (await unspent_past_deadline(uow, now) + await stage_overdue(uow, now)
                 + await idle_allocations(uow, now))
        await uow.commit()
        return found


#: ServiceSpec.background job: sweep every ``sweep_interval_s``
sweeper = periodic("funds.sweep", sweep_once)
