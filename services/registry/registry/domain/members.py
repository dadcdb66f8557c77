"""Members: entering a person, changing their facts, a member leaving (减员)."""

import uuid
from datetime import date, datetime

from backstop_common.auth import Principal
from backstop_common.concurrency import check_version
from backstop_common.i18n import message_of, msg, when
from backstop_common.problems import Conflict, NotFound, Unprocessable
from backstop_common.uow import UnitOfWork
from registry.domain import facts, history, member_events
from registry.domain.guards import household_for_write, may_write, writable
from registry.domain.identity import InvalidIdNumber, birth_date_of, normalize_id_number, pinyin_of, sex_of
from registry.domain.publishing import emit, emitted_row
from registry.vocab import HEAD
from registry.models import Household, Member
from registry.repository import members as repo
from registry.schemas.members import MemberCreate, MemberUpdate


def valid_id_number(raw: str, today: date, where: str = "id_number") -> str:
    try:
        return normalize_id_number(raw, today)
    except InvalidIdNumber as exc:
        raise Unprocessable(message_of(exc), field=where) from None


async def ensure_unregistered(session, id_numbers: list[str], own: uuid.UUID | None = None) -> None:
    """One person, one household: an ID number held by a current member elsewhere is refused."""
    if len(set(id_numbers)) != len(id_numbers):
        raise Conflict("the same ID number is given twice")
    taken = {n: m for n, m in (await repo.current_holders(session, id_numbers)).items() if m.id != own}
    if taken:
        raise Conflict("ID number already registered in another household (one person, one household)",
                       household_ids=sorted({str(m.household_id) for m in taken.values()}))


def new_member(household_id: uuid.UUID, data: MemberCreate, id_number: str) -> Member:
    born = birth_date_of(id_number)
    if data.birth_date and data.birth_date != born:
        raise Unprocessable(msg("birth date {date} disagrees with the ID number ({born})", date=when(data.birth_date),
                                 born=when(born)))
    if data.sex and data.sex != sex_of(id_number):
        raise Unprocessable("sex disagrees with the ID number's 17th digit")
    given = data.model_dump(exclude_none=True, exclude={"id_number", "sex", "birth_date"})
    full, initials = pinyin_of(data.name)
    return Member(household_id=household_id, id_number=id_number, sex=sex_of(id_number), birth_date=born,
                  is_head=data.relation == HEAD, name_pinyin=full, name_initials=initials, **given)


async def add_member(uow: UnitOfWork, principal: Principal, household_id: uuid.UUID, data: MemberCreate,
                     expected: int | None) -> Member:
    session = uow.session
    household = await household_for_write(session, principal, household_id, expected)
    id_number = valid_id_number(data.id_number, uow.clock.today())
    await ensure_unregistered(session, [id_number])
    if data.relation == HEAD:
        raise Conflict("the household already has a head (户主); change the head's relation first")
    member = new_member(household.id, data, id_number)
    session.add(member)
    household.size += 1
    touch(household, uow.clock.now())
    await session.flush()
    history.record(session, principal, household.id, "member", member.id, "added", version=member.version,
                   snapshot={"relation": member.relation, "name": member.name})
    emit(uow, facts.member_added(household, member))
    return member


def touch(record, now: datetime) -> None:
    """A new version of a household or member, changed at ``now`` (the app's clock)."""
    record.version += 1
    record.updated_at = now


async def member_for_write(session, principal: Principal, member_id: uuid.UUID, expected: int | None
                           ) -> tuple[Member, Household]:
    may_write(principal)
    member = await repo.get_member(session, member_id)
    if member is None:
        raise NotFound("member not found")
    household = await household_for_write(session, principal, member.household_id, None)
    member = await repo.get_member(session, member_id, lock=True)
    if expected is not None:
        check_version(member.version, expected, "member")
    return member, household


async def update_member(uow: UnitOfWork, principal: Principal, member_id: uuid.UUID, data: MemberUpdate,
                        expected: int):
    """Two statements (repository/members.py): the household and member locked, then the member's new facts and
    version, the household's ``updated_at``, the history rows and the events written at once."""
    session = uow.session
    member, household = await _locked_member(session, principal, member_id, expected)
    if member.removed_on:
        raise Conflict("this member has left the household; their record is kept read-only")
    changes = data.model_dump(exclude_unset=True)
    if changes.get("id_number"):
        changes["id_number"] = valid_id_number(changes["id_number"], uow.clock.today())
        await ensure_unregistered(session, [changes["id_number"]], own=member.id)
        changes.update(birth_date=birth_date_of(changes["id_number"]), sex=sex_of(changes["id_number"]))
    if "relation" in changes and (changes["relation"] == HEAD) != member.is_head:
        raise Unprocessable("the head (户主) is changed by naming the new head; not supported in a member patch")
    if changes.get("name"):
        changes["name_pinyin"], changes["name_initials"] = pinyin_of(changes["name"])
    decided = decide_changes(uow, principal, member, household, changes)
    if decided is not None:
        columns, rows, events = decided
        await repo.record_change(session, member, columns, rows, [emitted_row(uow, e) for e in events])
    return member


async def _locked_member(session, principal: Principal, member_id: uuid.UUID, expected: int | None):
    """``member_for_write``'s checks in its order (role, member, household in the caller's area, version) on one
    locking statement."""
    may_write(principal)
    found = await repo.lock_for_change(session, member_id)
    if found is None:
        raise NotFound("member not found")
    member, household = found
    writable(principal, household, None)
    if expected is not None:
        check_version(member.version, expected, "member")
    return member, household


def decide_changes(uow: UnitOfWork, principal: Principal, member, household, changes: dict,
                   action: str = "updated") -> tuple[tuple[str, ...], list[dict], list] | None:
    """A change of a locked member's facts, decided: the member changed in place (facts, version, updated_at)
    and the household's ``updated_at``; the changed columns, the history rows and the events monitoring listens
    to — or None when nothing changes. No write."""
    delta = history.diff(member, {k: v for k, v in changes.items() if v is not None or k in NULLABLE})
    if not delta:
        return None
    before = {k: old for k, (old, _) in delta.items()}
    for key, (_, new) in delta.items():
        setattr(member, key, new)
    touch(member, uow.clock.now())
    household.updated_at = member.updated_at
    rows = history.rows(principal, household.id, "member", member.id, action,
                        {k: v for k, v in delta.items() if not k.startswith("name_")}, version=member.version)
    return tuple(delta), rows, member_events.for_change(household, member, before, uow.clock.today())


async def apply_changes(uow: UnitOfWork, principal: Principal, member: Member, household: Household,
                        changes: dict, action: str = "updated") -> bool:
    """Change a locked ORM member's facts (a department's feed): history, version, and the events."""
    decided = decide_changes(uow, principal, member, household, changes, action)
    if decided is None:
        return False
    _, rows, events = decided
    await uow.session.flush()
    history.add(uow.session, rows)
    for event in events:
        emit(uow, event)
    return True


NULLABLE = {"illness", "schooling_stage", "schooling_status", "phone", "education", "medical_out_of_pocket",
            "pension_monthly"}
