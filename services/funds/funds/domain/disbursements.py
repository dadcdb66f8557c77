"""Money to projects: commitments from an allocation (入库 on) and disbursements (拨付, 实施 and 验收)."""

import uuid
from datetime import datetime

from backstop_common.auth import Principal
from backstop_common.i18n import msg
from backstop_common.problems import Conflict, Unprocessable
from backstop_common.topics import FUNDS_FINANCE
from backstop_common.uow import UnitOfWork
from funds.domain import access, ledger
from funds.domain.projects import get_project
from funds.enums import Stage
from funds.events import DisbursementMade
from funds.models import Disbursement
from funds.repository import fundings
from funds.schemas import DisbursementIn, FundingIn

PAYABLE_STAGES = (Stage.IMPLEMENTING.value, Stage.ACCEPTED.value)


async def disburse(uow: UnitOfWork, principal: Principal, data: DisbursementIn, now: datetime) -> Disbursement:
    principal.ensure_role(*access.FINANCE)
    project = await get_project(uow, principal, data.project_id, lock=True)
    if project.stage not in PAYABLE_STAGES:
        raise Conflict(msg("a project is paid during 实施 or 验收, not at {stage}", stage=project.stage), stage=project.stage)
    allocation = await ledger.visible_allocation(uow.session, principal, data.allocation_id, lock=True)
    if not access.reaches(allocation.area_code, project.area_code):
        raise Unprocessable("the allocation belongs to another area than the project",
                            allocation_area=allocation.area_code, project_area=project.area_code)
    line = await fundings.funding_line(uow.session, project.id, allocation.id)
    uncommitted_need = data.amount - ((line.committed - line.spent) if line else 0)
    await ledger.refuse_over_budget(uow.session, project, uncommitted_need)
    await ledger.commit_to_project(uow, allocation, project.id, project.area_code, max(uncommitted_need, 0),
                                   spend=data.amount)
    payment = Disbursement(project_id=project.id, allocation_id=allocation.id, amount=data.amount,
                           paid_on=data.paid_on or now.date(), paid_by=principal.subject, note=data.note)
    uow.session.add(payment)
    await uow.session.flush()
    uow.publish(FUNDS_FINANCE, "disbursement.made", subject=payment.id, area_code=project.area_code,
                data=DisbursementMade(disbursement_id=payment.id, project_id=project.id,
                                      allocation_id=allocation.id, amount=payment.amount, paid_on=payment.paid_on))
    return payment


FUNDABLE_STAGES = (Stage.LISTED.value, Stage.IMPLEMENTING.value, Stage.ACCEPTED.value)


async def fund_project(uow: UnitOfWork, principal: Principal, project_id: uuid.UUID, data: FundingIn) -> dict:
    """Commit money of an allocation to a listed project (入库 or later); nothing is paid yet."""
    principal.ensure_role(*access.FINANCE)
    project = await get_project(uow, principal, project_id, lock=True)
    if project.stage not in FUNDABLE_STAGES:
        raise Conflict(msg("money is committed to a project from 入库 on, not at {stage}", stage=project.stage),
                       stage=project.stage)
    allocation = await ledger.visible_allocation(uow.session, principal, data.allocation_id, lock=True)
    if not access.reaches(allocation.area_code, project.area_code):
        raise Unprocessable("the allocation belongs to another area than the project",
                            allocation_area=allocation.area_code, project_area=project.area_code)
    await ledger.refuse_over_budget(uow.session, project, data.amount)
    line = await ledger.commit_to_project(uow, allocation, project.id, project.area_code, data.amount)
    return {"project_id": project.id, "allocation_id": allocation.id, "committed": line.committed,
            "spent": line.spent}
