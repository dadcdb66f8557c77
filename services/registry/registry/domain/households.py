"""Registering a household (建档立卡) and changing its file."""

import uuid

from backstop_common.auth import Principal
from backstop_common.i18n import msg
from backstop_common.problems import Conflict, Unprocessable
from backstop_common.uow import UnitOfWork
from registry.domain import history
from registry.domain.facts import registered_event
from registry.domain.guards import household_for_write, may_write, village_for
from registry.domain.members import ensure_unregistered, new_member, touch, valid_id_number
from registry.domain.publishing import emit
from registry.vocab import HEAD
from registry.events import HelperAssigned, HouseholdStatusChanged, HouseholdUpdated
from registry.models import Helper, Household
from registry.repository import households as repo
from registry.schemas.households import HouseholdCreate, HouseholdUpdate

STATUS_FIELDS = ("poverty_status", "year_lifted", "dibao", "tekun")
PERSONAL_FIELDS = ("phone", "address")


def _check_status(status: str, year_lifted: int | None) -> None:
    if status != "lifted" and year_lifted is not None:
        raise Unprocessable("year_lifted is only for a lifted household")


async def register_household(uow: UnitOfWork, principal: Principal, data: HouseholdCreate) -> Household:
    session = uow.session
    may_write(principal)
    await village_for(session, principal, data.village_code)
    heads = [m for m in data.members if m.relation == HEAD]
    if len(heads) != 1:
        raise Unprocessable(msg("a household needs exactly one head (户主); got {count}", count=len(heads)))
    id_numbers = [valid_id_number(m.id_number, uow.clock.today(), f"members[{i}].id_number") for i, m in enumerate(data.members)]
    await ensure_unregistered(session, id_numbers)
    if data.household_number and await repo.number_taken(session, data.household_number):
        raise Conflict(msg("household number {number} is already registered", number=data.household_number))
    facts = data.model_dump(exclude_none=True, exclude={"members", "helpers"})
    _check_status(facts.get("poverty_status", "never_poor"), facts.get("year_lifted"))
    household = Household(**facts, size=len(data.members))
    session.add(household)
    await session.flush()
    members = [new_member(household.id, m, n) for m, n in zip(data.members, id_numbers, strict=True)]
    helpers = [Helper(household_id=household.id, assigned_on=h.assigned_on or uow.clock.today(),
                      **h.model_dump(exclude={"assigned_on"})) for h in data.helpers]
    session.add_all(members + helpers)
    await session.flush()
    history.record(session, principal, household.id, "household", household.id, "registered",
                   version=1, snapshot={k: v for k, v in facts.items() if k not in PERSONAL_FIELDS})
    for member in members:
        history.record(session, principal, household.id, "member", member.id, "added", version=1,
                       snapshot={"relation": member.relation, "name": member.name})
    emit(uow, registered_event(household, members, helpers))
    for helper in helpers:
        emit(uow, HelperAssigned(household_id=household.id, village_code=household.village_code,
                                 helper_id=helper.id, helper_user_id=helper.user_id, unit=helper.unit))
    return household


async def update_household(uow: UnitOfWork, principal: Principal, household_id: uuid.UUID,
                           data: HouseholdUpdate, expected: int) -> Household:
    session = uow.session
    household = await household_for_write(session, principal, household_id, expected)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("village_code") and changes["village_code"] != household.village_code:
        await village_for(session, principal, changes["village_code"])
    for key in ("village_code", "poverty_status", "dibao", "tekun", "tags", "other_causes",
                "food_secure", "clothing_secure", "relocated"):
        if key in changes and changes[key] is None:
            raise Unprocessable(msg("{key} cannot be null", key=key))
    await apply_changes(uow, principal, household, changes)
    return household


def decide_changes(uow: UnitOfWork, principal: Principal, household, changes: dict, action: str = "updated"
                   ) -> tuple[tuple[str, ...], list[dict], list] | None:
    """A change of a locked household's facts, decided: the household changed in place (facts, version,
    updated_at); the changed columns, the history rows and the status/updated events — or None when nothing
    changes. No write; a refusal (``_check_status``) changes nothing."""
    delta = history.diff(household, changes)
    if not delta:
        return None
    previous = {k: old for k, (old, _) in delta.items()}
    if "poverty_status" in delta and delta["poverty_status"][1] != "lifted" and "year_lifted" not in changes:
        delta["year_lifted"] = (household.year_lifted, None)
    new = {k: v for k, (_, v) in delta.items()}
    _check_status(new.get("poverty_status", household.poverty_status), new.get("year_lifted", household.year_lifted))
    for key, value in new.items():
        setattr(household, key, value)
    touch(household, uow.clock.now())
    rows = history.rows(principal, household.id, "household", household.id, action, delta, version=household.version)
    return tuple(delta), rows, _update_events(household, previous)


async def apply_changes(uow: UnitOfWork, principal: Principal, household: Household, changes: dict,
                        action: str = "updated") -> bool:
    """Change a locked ORM household's facts: history, version, status/updated events."""
    decided = decide_changes(uow, principal, household, changes, action)
    if decided is None:
        return False
    _, rows, events = decided
    await uow.session.flush()
    history.add(uow.session, rows)
    for event in events:
        emit(uow, event)
    return True


def _update_events(household, previous: dict) -> list:
    ids = dict(household_id=household.id, village_code=household.village_code)
    events = []
    if any(k in previous for k in STATUS_FIELDS):
        events.append(HouseholdStatusChanged(
            **ids, previous_status=previous.get("poverty_status", household.poverty_status),
            poverty_status=household.poverty_status, year_lifted=household.year_lifted,
            dibao=household.dibao, tekun=household.tekun))
    other = [k for k in previous if k not in STATUS_FIELDS]
    if other:
        values = {k: getattr(household, k) for k in other if k in HouseholdUpdated.model_fields and k not in ids}
        events.append(HouseholdUpdated(**ids, changed=sorted(other), **values,
                                       previous_village_code=previous.get("village_code")))
    return events
