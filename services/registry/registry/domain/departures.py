"""A member leaving the household (减员): death, marriage out, migration. The record is kept."""

import uuid
from datetime import date

from backstop_common.auth import Principal
from backstop_common.problems import Conflict, Unprocessable
from backstop_common.uow import UnitOfWork
from registry.domain import facts, history
from registry.domain.guards import household_for_write
from registry.domain.members import member_for_write, touch
from registry.domain.publishing import emit
from registry.events import MemberRemoved
from registry.models import Household, Member
from registry.schemas.members import MemberRemoval


async def remove_member(uow: UnitOfWork, principal: Principal, member_id: uuid.UUID, data: MemberRemoval,
                        expected: int | None) -> Member:
    session = uow.session
    member, household = await member_for_write(session, principal, member_id, expected)
    await leave(uow, principal, member, household, data)
    return member


def decide_leave(uow: UnitOfWork, principal: Principal, member, household, data: MemberRemoval,
                 action: str = "removed") -> tuple[tuple[str, ...], list[dict], list]:
    """The member's record ended and the household shrunk, decided in place (both touched): the member's changed
    columns, the history rows and the event. No write; a refusal changes nothing."""
    if member.removed_on:
        raise Conflict("this member has already left the household")
    if member.is_head and household.size > 1:
        raise Unprocessable("the head (户主) cannot leave while others remain; name a new head first")
    if data.effective_on > uow.clock.today():
        raise Unprocessable("effective_on is in the future")
    member.removed_on, member.removed_reason = data.effective_on, data.reason
    touch(member, uow.clock.now())
    household.size -= 1
    touch(household, uow.clock.now())
    rows = history.rows(principal, household.id, "member", member.id, action,
                        {"removed_reason": (None, data.reason), "removed_on": (None, data.effective_on)},
                        version=member.version)
    event = MemberRemoved(household_id=household.id, village_code=household.village_code, member_id=member.id,
                          reason=data.reason, effective_on=data.effective_on, size=household.size)
    return ("removed_on", "removed_reason"), rows, [event]


async def leave(uow: UnitOfWork, principal: Principal, member: Member, household: Household, data: MemberRemoval,
                action: str = "removed") -> None:
    """The member's record ends (kept read-only) and the household shrinks; refusals change nothing."""
    _, rows, [event] = decide_leave(uow, principal, member, household, data, action)
    await uow.session.flush()
    history.add(uow.session, rows)
    emit(uow, event)


async def move_member(uow: UnitOfWork, principal: Principal, member_id: uuid.UUID, target_id: uuid.UUID,
                      expected: int, effective_on: date | None = None) -> Member:
    """A member moves to another household (分户/投靠): gone from one, added to the other, both in the
    caller's area (a target outside it does not exist for them: 404)."""
    session = uow.session
    member, source = await member_for_write(session, principal, member_id, expected)
    if member.removed_on:
        raise Conflict("this member has left the household; their record is kept read-only")
    if member.is_head:
        raise Unprocessable("the head (户主) cannot move while heading the household; name a new head first")
    if target_id == source.id:
        return member
    target = await household_for_write(session, principal, target_id, None)
    member.household_id = target.id
    touch(member, uow.clock.now())
    source.size, target.size = source.size - 1, target.size + 1
    touch(source, uow.clock.now())
    touch(target, uow.clock.now())
    await session.flush()
    for household, action in ((source, "moved_out"), (target, "moved_in")):
        history.record(session, principal, household.id, "member", member.id, action,
                       {"household_id": (source.id, target.id)}, version=member.version)
    on = effective_on or uow.clock.today()
    emit(uow, MemberRemoved(household_id=source.id, village_code=source.village_code, member_id=member.id,
                            reason="migration", effective_on=on, size=source.size))
    emit(uow, facts.member_added(target, member))
    return member
