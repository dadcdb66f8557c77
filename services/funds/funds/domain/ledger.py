"""Allocations and the money that leaves them. Every change takes the allocation's row lock first
(``SELECT … FOR UPDATE``), so concurrent payments queue; the CHECK constraints are the last guard."""

import uuid
from decimal import Decimal

from backstop_common.auth import Principal
from backstop_common.problems import Conflict, NotFound
from backstop_common.topics import FUNDS_FINANCE
from backstop_common.uow import UnitOfWork
from funds.domain import access, anomalies, disclosure
from funds.enums import AnomalyKind
from funds.events import FundAllocated
from funds.models import Allocation, Project, ProjectFunding
from funds.repository import allocations, fundings
from funds.schemas import AllocationCreate


async def create_allocation(uow: UnitOfWork, principal: Principal, data: AllocationCreate) -> Allocation:
    principal.ensure_role(*access.FINANCE)
    principal.ensure_covers(data.area_code, "area")
    allocation = Allocation(**data.model_dump(), created_by=principal.subject)
    uow.session.add(allocation)
    await uow.session.flush()
    disclosure.disclose(uow, disclosure.allocation_notice(allocation, allocation.created_at))
    uow.publish(FUNDS_FINANCE, "fund.allocated", subject=allocation.id, area_code=allocation.area_code,
                data=FundAllocated(allocation_id=allocation.id, source=allocation.source, year=allocation.year,
                                   purpose=allocation.purpose, amount=allocation.amount,
                                   area_code=allocation.area_code))
    return allocation


async def visible_allocation(session, principal: Principal, allocation_id: uuid.UUID,
                             *, lock: bool = False) -> Allocation:
    allocation = await allocations.allocation(session, allocation_id, lock=lock)
    if allocation is None:
        raise NotFound("allocation not found")
    access.ensure_sees_allocation(principal, allocation.area_code)
    return allocation


async def refuse_over_allocation(uow: UnitOfWork, allocation: Allocation, need: Decimal, target: str, *,
                                 project_id: uuid.UUID | None = None, household_id: uuid.UUID | None = None,
                                 area_code: str | None = None) -> None:
    """Raise ``Refused`` (409) with an over_allocation anomaly when ``need`` exceeds what is left."""
    available = allocation.amount - allocation.committed
    if need <= available:
        return
    anomaly_id = await anomalies.record(
        uow, f"over_allocation:{allocation.id}:{target}:{need}", AnomalyKind.OVER_ALLOCATION,
        area_code or allocation.area_code,
        f"{need} asked of allocation {allocation.id}, which has {available} left of {allocation.amount}",
        project_id=project_id, household_id=household_id, allocation_id=allocation.id, amount=need)
    raise anomalies.Refused(Conflict("the allocation does not have that much left", available=str(available),
                                     anomaly_id=str(anomaly_id)))


async def commit_to_project(uow: UnitOfWork, allocation: Allocation, project_id: uuid.UUID, area_code: str,
                            amount: Decimal, *, spend: Decimal = Decimal(0)) -> ProjectFunding:
    """Commit ``amount`` more of a locked allocation to a project (and spend ``spend`` of the line)."""
    line = await fundings.funding_line(uow.session, project_id, allocation.id)
    if amount > 0:
        await refuse_over_allocation(uow, allocation, amount, f"project:{project_id}", project_id=project_id,
                                     area_code=area_code)
    if line is None:
        line = ProjectFunding(project_id=project_id, allocation_id=allocation.id)
        uow.session.add(line)
    line.committed += amount
    line.spent += spend
    allocation.committed += amount
    allocation.spent += spend
    allocation.version += 1
    await uow.session.flush()
    return line


async def refuse_over_budget(session, project: Project, more: Decimal) -> None:
    """409 when committing ``more`` would take the project's commitments past its budget (the project row
    is locked by the caller, so two commitments to one project queue)."""
    if more <= 0:
        return
    committed = await fundings.committed_to(session, project.id)
    if committed + more > project.budget:
        raise Conflict("the project's commitments would exceed its budget", budget=str(project.budget),
                       committed=str(committed), requested=str(more),
                       available=str(max(project.budget - committed, Decimal(0))))
