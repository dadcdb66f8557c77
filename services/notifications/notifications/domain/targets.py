"""Who a rule's targets are for one event: helpers, a role or office at a level, a unit, a named user."""

from backstop_common.envelope import Event
from notifications.domain.areas import at_level, office_role
from notifications.domain.conditions import lookup
from notifications.models import Recipient
from notifications.repository import recipients as repo


def _target_area(target: dict, event: Event, area: str | None) -> str | None:
    if target.get("area_field"):
        value = lookup(event.data, target["area_field"])
        return value if isinstance(value, str) and len(value) == 12 and value.isdigit() else None
    return at_level(area, target.get("level", "event"))


async def helpers_of(session, event: Event) -> list[Recipient]:
    """The household's paired helpers (帮扶责任人) from the read model, plus any named in the event."""
    household_id = event.data.get("household_id")
    user_ids = list(event.data.get("helper_user_ids") or [])
    if household_id:
        facts = await repo.household(session, str(household_id))
        if facts is not None:
            user_ids += facts.helper_user_ids
    return await repo.by_user_ids(session, dict.fromkeys(user_ids))


async def resolve(session, target: dict, event: Event, area: str | None) -> list[Recipient]:
    kind = target["kind"]
    if kind == "helpers":
        return await helpers_of(session, event)
    if kind == "user":
        value = lookup(event.data, target["field"])
        return await repo.by_user_ids(session, value if isinstance(value, list) else [value])
    if kind == "unit":
        units = target.get("unit") or lookup(event.data, target.get("unit_field", ""))
        found: dict = {}
        for unit in (units if isinstance(units, list) else [units]):
            if unit:
                found.update({r.id: r for r in await repo.of_unit_covering(session, str(unit), area)})
        return list(found.values())
    where = _target_area(target, event, area)
    if where is None:
        return []
    roles = [target["role"]] if kind == "role" else [office_role(where)]
    roles = [r for r in roles if r]
    if target.get("level") == "within":
        return await repo.with_role_within(session, roles, where)
    return await repo.with_role_at(session, roles, where)
