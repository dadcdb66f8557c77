"""The change history (变更记录): every write says who changed which field, when, from what to what.

ID numbers and phones are kept masked here: the history is read by more people than the file.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from backstop_common.auth import Principal
from backstop_common.privacy import mask_id_number, mask_phone
from registry.models import ChangeRecord

MASKED = {"id_number": mask_id_number, "phone": mask_phone}


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def diff(record: Any, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields of ``changes`` whose value differs from ``record``'s: field → (old, new)."""
    return {k: (getattr(record, k), v) for k, v in changes.items() if getattr(record, k) != v}


def rows(principal: Principal, household_id: uuid.UUID, entity: str, entity_id: uuid.UUID, action: str,
         changes: dict[str, tuple[Any, Any]] | None = None, version: int | None = None,
         snapshot: dict | None = None) -> list[dict[str, Any]]:
    """The history rows of one write (``ChangeRecord``'s fields): one per changed field, or one for the whole record."""
    common = dict(household_id=household_id, entity=entity, entity_id=entity_id, action=action,
                  actor=principal.subject, actor_role=str(principal.role), version=version)
    if not changes:
        return [dict(common, field=None, old_value=None, new_value=jsonable(snapshot) if snapshot else None)]
    return [dict(common, field=field, old_value=jsonable(MASKED.get(field, _same)(old)),
                 new_value=jsonable(MASKED.get(field, _same)(new)))
            for field, (old, new) in changes.items()]


def _same(value: Any) -> Any:
    return value


def record(session, principal: Principal, household_id: uuid.UUID, entity: str, entity_id: uuid.UUID,
           action: str, changes: dict[str, tuple[Any, Any]] | None = None, version: int | None = None,
           snapshot: dict | None = None) -> None:
    """Add the history rows of one write to the session."""
    add(session, rows(principal, household_id, entity, entity_id, action, changes, version, snapshot))


def add(session, history_rows: list[dict[str, Any]]) -> None:
    for row in history_rows:
        session.add(ChangeRecord(**row))
