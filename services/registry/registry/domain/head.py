"""Naming a new head of household (户主变更), e.g. before the old head leaves."""

import uuid

from backstop_common.auth import Principal
from backstop_common.problems import Unprocessable
from backstop_common.uow import UnitOfWork
from registry.domain import history
from registry.domain.guards import household_for_write
from registry.domain.members import touch
from registry.domain.publishing import emit
from registry.vocab import HEAD
from registry.events import HouseholdUpdated
from registry.models import Household
from registry.repository import members as repo
from registry.schemas.members import HeadChange


async def name_head(uow: UnitOfWork, principal: Principal, household_id: uuid.UUID, data: HeadChange,
                    expected: int) -> Household:
    session = uow.session
    household = await household_for_write(session, principal, household_id, expected)
    people = {m.id: m for m in await repo.members_of(session, household.id) if m.removed_on is None}
    new = people.get(data.member_id)
    if new is None:
        raise Unprocessable("the new head must be a current member of this household")
    if new.is_head:
        return household
    old = next(m for m in people.values() if m.is_head)
    changes = [(old, {"relation": (HEAD, data.previous_head_relation), "is_head": (True, False)}),
               (new, {"relation": (new.relation, HEAD), "is_head": (False, True)})]
    for person, delta in changes:
        person.relation, person.is_head = delta["relation"][1], delta["is_head"][1]
        touch(person, uow.clock.now())
    touch(household, uow.clock.now())
    await session.flush()
    for person, delta in changes:
        history.record(session, principal, household.id, "member", person.id, "head_changed", delta,
                       version=person.version)
    emit(uow, HouseholdUpdated(household_id=household.id, village_code=household.village_code, changed=["head"]))
    return household
