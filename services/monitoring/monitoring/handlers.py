"""One function per consumed event; the consumer runs each in a transaction with its inbox row.

Every ``registry.household`` event goes through the same intake (read model → rules → signals);
redelivery is the inbox's business, the same fact in two events is the signals' dedupe key's.
"""

from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from monitoring.domain.intake import on_registry_event
from monitoring.events import CONSUMED_TYPES


async def on_household_event(event: Event, uow: UnitOfWork) -> None:
    """Any registry.household event: update facts, evaluate rules."""
    data = {**event.data}
    data.setdefault("household_id", event.subject)
    data.setdefault("village_code", event.area_code)
    await on_registry_event(uow, event.name, data, uow.clock.now())


HANDLERS = {full_type: on_household_event for full_type in CONSUMED_TYPES.values()}
