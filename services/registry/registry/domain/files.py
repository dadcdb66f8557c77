"""Reading the registry: one household's whole file and the scoped list, as JSON ready to send.

Both come from PostgreSQL already shaped as the API schemas (repository/files.py). A reader allowed to
see identifiers gets the text as it is (and is access-logged); anyone else gets ID numbers and phones
masked here, in the one place that knows how.
"""

import uuid

import orjson

from backstop_common.auth import Principal
from backstop_common.privacy import mask_id_number, mask_phone
from backstop_common.problems import NotFound
from registry.repository import files
from registry.repository.filters import HouseholdFilter


def _reader(principal: Principal, path: str) -> files.Reader | None:
    return (principal.subject, str(principal.role), path) if principal.sees_identifiers else None


def _mask_person(person: dict) -> None:
    if "id_number" in person:
        person["id_number"] = mask_id_number(person["id_number"])
    person["phone"] = mask_phone(person["phone"])


async def household_file(session, principal: Principal, household_id: uuid.UUID, path: str) -> bytes:
    """一户一档: the household, its members (current and former), assessments, disasters, helpers, measures."""
    text = await files.household_file(session, household_id, principal.scope, _reader(principal, path))
    if text is None:
        raise NotFound("household not found")
    if principal.sees_identifiers:
        return text.encode()
    document = orjson.loads(text)
    document["phone"] = mask_phone(document["phone"])
    for person in document["members"] + document["former_members"] + document["helpers"]:
        _mask_person(person)
    return orjson.dumps(document)


async def household_list(session, principal: Principal, f: HouseholdFilter, sort: str, limit: int, offset: int,
                         path: str) -> bytes:
    """A page of ``{"items": [...], "total": n}``."""
    items, total = await files.household_page(session, f, sort, limit, offset, _reader(principal, path))
    if principal.sees_identifiers:
        return b'{"items":%s,"total":%d}' % (items.encode(), total)
    rows = orjson.loads(items)
    for row in rows:
        row["head_id_number"] = mask_id_number(row["head_id_number"])
        row["phone"] = mask_phone(row["phone"])
    return orjson.dumps({"items": rows, "total": total})
