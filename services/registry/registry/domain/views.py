"""What a reader gets: identifiers masked unless the role needs them, and every unmasked read logged."""

import uuid

from backstop_common.auth import Principal
from backstop_common.privacy import mask_id_number, mask_phone
from registry.repository import audit
from registry.schemas.members import MemberRead
from registry.schemas.records import HelperRead


def member_view(member, unmasked: bool) -> MemberRead:
    view = MemberRead.model_validate(member, from_attributes=True)
    if not unmasked:
        view.id_number = mask_id_number(view.id_number)
        view.phone = mask_phone(view.phone)
    return view


def helper_view(helper, unmasked: bool) -> HelperRead:
    view = HelperRead.model_validate(helper, from_attributes=True)
    if not unmasked:
        view.phone = mask_phone(view.phone)
    return view


async def log_unmasked_reads(session, principal: Principal, household_ids: list[uuid.UUID], path: str,
                             fields: str = audit.IDENTIFIER_FIELDS) -> None:
    """Written in the reader's own transaction; the route commits it before answering."""
    if principal.sees_identifiers and household_ids:
        await audit.log_access(session, [
            {"subject": principal.subject, "role": str(principal.role), "household_id": hid,
             "path": path, "fields": fields} for hid in household_ids])
