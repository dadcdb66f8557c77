"""One function per consumed event; the consumer runs each in a transaction with its inbox row."""

import uuid

import structlog

from backstop_common.envelope import Event
from backstop_common.uow import UnitOfWork
from monitoring import repository
from monitoring.events import HOUSEHOLD_REGISTERED

log = structlog.get_logger()


async def on_household_registered(event: Event, uow: UnitOfWork) -> None:
    await repository.upsert_household(uow.session, uuid.UUID(event.data["household_id"]), event.data["village_code"])
    log.info("monitoring.household_tracked", household_id=event.subject)


HANDLERS = {HOUSEHOLD_REGISTERED: on_household_registered}
