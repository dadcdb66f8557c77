"""The county directory in this service: recipients created, replaced, bulk-loaded; identifiers masked."""

import uuid

from backstop_common.auth import Principal, Role
from backstop_common.concurrency import check_version
from backstop_common.i18n import msg
from backstop_common.privacy import mask_phone
from backstop_common.problems import Conflict, NotFound
from backstop_common.uow import UnitOfWork
from notifications.models import AccessLog, Recipient
from notifications.repository import recipients as repo
from notifications.schemas.recipients import BulkResult, RecipientIn, RecipientOut

#: who sees a recipient's phone and e-mail unmasked (each such read is written to access_log)
UNMASKED = frozenset({Role.COUNTY_ADMIN, Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF})


def mask_email(value: str | None) -> str | None:
    if not value:
        return value
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def present(uow: UnitOfWork, principal: Principal, recipient: Recipient) -> RecipientOut:
    out = RecipientOut.model_validate(recipient, from_attributes=True)
    if principal.role in UNMASKED:
        if recipient.phone or recipient.email:
            uow.session.add(AccessLog(subject=principal.subject, role=principal.role, recipient_id=recipient.id,
                                      fields=[f for f in ("phone", "email") if getattr(recipient, f)]))
        return out
    return out.model_copy(update={"phone": mask_phone(out.phone), "email": mask_email(out.email),
                                  "group_webhook_url": "***" if out.group_webhook_url else None})


def _values(data: RecipientIn) -> dict:
    values = data.model_dump()
    values["role"] = data.role.value if data.role else None
    return values


async def create(uow: UnitOfWork, principal: Principal, data: RecipientIn) -> Recipient:
    principal.ensure_covers(data.area_code, "area")
    if data.user_id and await repo.by_user_id(uow.session, data.user_id) is not None:
        raise Conflict("a recipient with this user_id exists", user_id=data.user_id)
    recipient = Recipient(**_values(data))
    uow.session.add(recipient)
    await uow.session.flush()
    return recipient


async def replace(uow: UnitOfWork, principal: Principal, recipient_id: uuid.UUID, data: RecipientIn,
                  expected: int) -> Recipient:
    recipient = await repo.get(uow.session, recipient_id, lock=True)
    if recipient is None or not principal.covers(recipient.area_code):
        raise NotFound("recipient not found")
    principal.ensure_covers(data.area_code, "area")
    check_version(recipient.version, expected, "recipient")
    if data.user_id and data.user_id != recipient.user_id and await repo.by_user_id(uow.session, data.user_id) is not None:
        raise Conflict("a recipient with this user_id exists", user_id=data.user_id)
    for key, value in _values(data).items():
        setattr(recipient, key, value)
    recipient.version += 1
    await uow.session.flush()
    return recipient


async def bulk_load(uow: UnitOfWork, principal: Principal, items: list[RecipientIn]) -> BulkResult:
    """Upsert by ``user_id`` (people) or by ``unit`` + ``area_code`` (units); all or nothing."""
    for index, item in enumerate(items):
        if not principal.covers(item.area_code):
            raise NotFound(msg("item {index}: area {area} not found in your area", index=index, area=item.area_code),
                               index=index)
    seen = [i.user_id for i in items if i.user_id]
    if len(seen) != len(set(seen)):
        raise Conflict("the same user_id appears twice in the batch")
    created = updated = 0
    for item in items:
        if item.user_id:
            existing = await repo.by_user_id(uow.session, item.user_id)
        else:
            existing = await repo.unit_at(uow.session, item.unit, item.area_code)
        if existing is None:
            uow.session.add(Recipient(**_values(item)))
            created += 1
        else:
            if not principal.covers(existing.area_code):
                raise NotFound(msg("user_id {user} not found in your area", user=item.user_id))
            for key, value in _values(item).items():
                setattr(existing, key, value)
            existing.version += 1
            updated += 1
    await uow.session.flush()
    return BulkResult(created=created, updated=updated)
