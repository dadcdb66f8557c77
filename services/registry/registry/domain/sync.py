"""The household list on a cadre's phone (离线同步), changed since its last sync: identifiers masked unless the
role needs them, and every unmasked row access-logged like any other read of the list."""

from backstop_common.auth import Principal
from backstop_common.privacy import mask_id_number, mask_phone
from backstop_common.sync import Changes, Since, changes
from registry.domain.views import log_unmasked_reads
from registry.repository import sync
from registry.schemas.households import HouseholdRow


def _row(row: dict, unmasked: bool) -> HouseholdRow:
    if not unmasked:
        row |= {"head_id_number": mask_id_number(row["head_id_number"]), "phone": mask_phone(row["phone"])}
    return HouseholdRow.model_validate(row)


async def household_changes(session, principal: Principal, since: Since, path: str) -> Changes[HouseholdRow]:
    rows, removed = await sync.household_changes(session, principal.scope, since)
    items = [(key, _row(row, principal.sees_identifiers)) for key, row in rows]
    await log_unmasked_reads(session, principal, [row.id for _, row in items[:since.limit]], path)
    return changes(since, items, removed)
