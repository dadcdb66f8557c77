"""One function per consumed event; the consumer runs each in a transaction with its inbox row."""

import structlog

from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from notifications.events import HOUSEHOLD_REGISTERED

log = structlog.get_logger()


async def on_household_registered(event: Event, uow: UnitOfWork) -> None:
    log.info("notifications.event_received", event_type=event.type, subject=event.subject)


HANDLERS = {HOUSEHOLD_REGISTERED: on_household_registered}
