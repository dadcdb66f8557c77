"""退回: money paid out that comes back (a project's unused money, a subsidy paid in error).

A return names the payment it reverses and why. It reduces what was spent and what was committed, on
the allocation and (for a disbursement) on the project's funding line, so the money is available
again; the payment itself stays on the record, with its returns beside it."""

from datetime import datetime

from backstop_common.auth import Principal
from backstop_common.problems import Conflict, NotFound, Unprocessable
from backstop_common.topics import FUNDS_FINANCE
from backstop_common.uow import UnitOfWork
from funds.domain import access, ledger
from funds.events import MoneyReturned
from funds.models import MoneyReturn
from funds.repository import fundings, payments, projects
from funds.schemas import ReturnIn


async def _payment(uow: UnitOfWork, principal: Principal, data: ReturnIn):
    """The payment returned: (row, area, project_id, household_id, returned so far)."""
    if (data.disbursement_id is None) == (data.subsidy_id is None):
        raise Unprocessable("name exactly one payment: disbursement_id or subsidy_id")
    if data.disbursement_id:
        payment = await payments.disbursement(uow.session, data.disbursement_id)
        project = payment and await projects.area_of(uow.session, payment.project_id)
        if payment is None or not principal.covers(project):
            raise NotFound("disbursement not found")
        before = await payments.returned_before(uow.session, disbursement_id=payment.id)
        return payment, project, payment.project_id, None, before
    payment = await payments.subsidy(uow.session, data.subsidy_id)
    if payment is None or not principal.covers(payment.village_code):
        raise NotFound("subsidy not found")
    before = await payments.returned_before(uow.session, subsidy_id=payment.id)
    return payment, payment.village_code, None, payment.household_id, before


async def record_return(uow: UnitOfWork, principal: Principal, data: ReturnIn, now: datetime) -> MoneyReturn:
    principal.ensure_role(*access.FINANCE)
    payment, area, project_id, household_id, before = await _payment(uow, principal, data)
    allocation = await ledger.visible_allocation(uow.session, principal, payment.allocation_id, lock=True)
    left = payment.amount - before
    if data.amount > left:
        raise Conflict("more is returned than is left of the payment", paid=str(payment.amount),
                       returned_before=str(before), returnable=str(left))
    if project_id:
        line = await fundings.funding_line(uow.session, project_id, allocation.id)
        line.spent -= data.amount
        line.committed -= data.amount
    allocation.spent -= data.amount
    allocation.committed -= data.amount
    allocation.version += 1
    row = MoneyReturn(allocation_id=allocation.id, disbursement_id=data.disbursement_id, subsidy_id=data.subsidy_id,
                      project_id=project_id, household_id=household_id, area_code=area, amount=data.amount,
                      reason=data.reason, returned_on=data.returned_on or now.date(), recorded_by=principal.subject,
                      created_at=now)
    uow.session.add(row)
    await uow.session.flush()
    uow.publish(FUNDS_FINANCE, "money.returned", subject=row.id, area_code=area, data=MoneyReturned(
        return_id=row.id, allocation_id=allocation.id, disbursement_id=row.disbursement_id,
        subsidy_id=row.subsidy_id, project_id=project_id, household_id=household_id, amount=row.amount,
        reason=row.reason, returned_on=row.returned_on))
    return row
