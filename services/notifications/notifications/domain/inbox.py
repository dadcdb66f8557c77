"""A caller's own inbox (我的消息): whose it is, and reading a message, which acknowledges it (no escalation
after this)."""

import uuid

from backstop_common.auth import Principal, Role
from backstop_common.problems import NotFound
from backstop_common.uow import UnitOfWork
from notifications.models import Message, Recipient
from notifications.repository import inbox as repo
from notifications.repository import recipients


async def owner(uow: UnitOfWork, principal: Principal) -> Recipient | None:
    """Whose inbox: the caller's own, or, for department staff, their unit's (e.g. the education bureau's)."""
    me = await recipients.by_user_id(uow.session, principal.subject)
    if me is None and principal.role == Role.DEPARTMENT and principal.department:
        me = await recipients.unit_at(uow.session, principal.department, principal.area_code)
    return me


async def mark_read(uow: UnitOfWork, principal: Principal, message_id: uuid.UUID) -> Message:
    """标记已读: the first read is kept (idempotent); another's message is not found."""
    me = await owner(uow, principal)
    message = await repo.message_held(uow.session, message_id)
    if me is None or message is None or message.recipient_id != me.id:
        raise NotFound("message not found")
    if message.read_at is None:
        message.read_at = uow.clock.now()
    return message
