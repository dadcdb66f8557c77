"""The sweep (巡查) of money and projects: money unspent past a project's deadline, a project stuck in one
stage too long, an allocation left uncommitted too long (资金闲置).

Each step finds what is due at ``now``, records it as an anomaly and returns how many it found; the job
runner (``background.py``, ``jobs.Sweep``) commits. Runs in every replica; the anomaly key makes each finding recorded and published once."""

from datetime import datetime, timedelta

from backstop_common.uow import UnitOfWork
from funds.domain import anomalies
from funds.enums import STAGE_LABELS, AnomalyKind, Stage
from funds.models import ProjectPolicy
from funds.repository import allocations, projects
from funds.repository.policy import project_policy


class Policies:
    """The project policy of each (area, year) a sweep meets, read once per sweep."""

    def __init__(self, uow: UnitOfWork):
        self._uow = uow
        self._known: dict[tuple[str, int], ProjectPolicy | None] = {}

    async def of(self, area_code: str, year: int) -> ProjectPolicy | None:
        if (area_code, year) not in self._known:
            self._known[area_code, year] = await project_policy(self._uow.session, area_code, year)
        return self._known[area_code, year]


def longer_than(since: datetime, days: int, now: datetime) -> bool:
    """More than ``days`` have passed since ``since`` at ``now`` (reaching the limit exactly is still in time)."""
    return since + timedelta(days=days) < now


async def unspent_past_deadline(uow: UnitOfWork, now: datetime) -> int:
    rows = await projects.unspent_past_deadline(uow.session, now.date())
    for project, amount in rows:
        await anomalies.record(uow, f"unspent:{project.id}:{project.deadline}", AnomalyKind.UNSPENT_PAST_DEADLINE,
                               project.area_code, f"{amount} committed to the project is unspent past its "
                               f"deadline {project.deadline}", project_id=project.id, amount=amount)
    return len(rows)


async def stage_overdue(uow: UnitOfWork, now: datetime) -> int:
    found, policies = 0, Policies(uow)
    for project in await projects.not_handed_over(uow.session, Stage.HANDED_OVER.value):
        policy = await policies.of(project.area_code, project.year)
        limit = (policy.stage_days if policy else {}).get(project.stage)
        if limit is None or not longer_than(project.stage_entered_at, int(limit), now):
            continue
        found += 1
        await anomalies.record(uow, f"stage_overdue:{project.id}:{project.stage}", AnomalyKind.STAGE_OVERDUE,
                               project.area_code, f"in {STAGE_LABELS[Stage(project.stage)]} ({project.stage}) since "
                               f"{project.stage_entered_at.date()}, longer than the {limit} days allowed",
                               project_id=project.id)
    return found


async def idle_allocations(uow: UnitOfWork, now: datetime) -> int:
    """资金闲置: an allocation with money still uncommitted longer than its policy's ``idle_days``; once each."""
    found, policies = 0, Policies(uow)
    for allocation in await allocations.uncommitted_unflagged(uow.session):
        policy = await policies.of(allocation.area_code, allocation.year)
        days = policy.idle_days if policy else None
        if days is None or not longer_than(allocation.created_at, days, now):
            continue
        found += 1
        idle = allocation.amount - allocation.committed
        await anomalies.record(uow, f"idle:{allocation.id}", AnomalyKind.IDLE_ALLOCATION, allocation.area_code,
                               f"{idle} of allocation {allocation.id} ({allocation.purpose}) is still uncommitted "
                               f"{days} days after it was allocated on {allocation.created_at.date()}",
                               allocation_id=allocation.id, amount=idle)
    return found
