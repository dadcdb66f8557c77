"""Households declaring a risk themselves (农户自主申报, seed 002 "农户是否知道申报"): a phone confirmed by a
one-time code, a few declarations per phone and per ID number a day, the answer the same whether or not the
ID number is registered. A match waits for its village cadre's verification (accept → the normal case
procedure; decline → the household is told by SMS); no match goes to the township's queue to visit."""

import uuid
from datetime import datetime

from backstop_common.auth import Principal, Role, parent_area
from backstop_common.concurrency import check_version
from backstop_common.i18n import msg
from backstop_common.problems import Conflict, Forbidden, NotFound, Unprocessable
from backstop_common.uow import UnitOfWork
from monitoring.domain.rules import Draft
from monitoring.domain.signals import record_signal
from monitoring.repository import households
from monitoring.supervision import codes, repository, sms
from monitoring.supervision.codes import ensure_under_daily_limit
from monitoring.supervision.events import TOPIC, DeclarationEvent
from monitoring.supervision.models import Declaration
from monitoring.supervision.routing import at_level
from monitoring.supervision.schemas import DeclarationActionIn, DeclarationIn
from monitoring.supervision.vault import Vault
from monitoring.supervision.workdays import add_working_days, local_day_start
from monitoring.vocab import Source

RULE = "self_declared"
VERIFIERS = (Role.VILLAGE_CADRE, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.COUNTY_ADMIN)
READERS = (*VERIFIERS, Role.AUDITOR)


def publish(uow: UnitOfWork, name: str, d: Declaration, sms_ref: uuid.UUID | None = None,
            escalate_to: str | None = None) -> None:
    data = DeclarationEvent(declaration_id=d.id, kind=d.kind, area_code=d.area_code, matched=d.matched,
                            household_id=d.household_id, status=d.status, due_at=d.due_at, case_id=d.case_id,
                            sms_ref=sms_ref, escalate_to_area=escalate_to)
    uow.publish(TOPIC, name, subject=d.id, area_code=d.area_code, data=data)


async def declare(uow: UnitOfWork, vault: Vault, body: DeclarationIn, match) -> Declaration | None:
    """``match(id_number, county)`` → (household id, village) or None (registry). None back: a wrong code."""
    now = uow.clock.now()
    if await repository.category(uow.session, "declaration", body.kind) is None:
        raise Unprocessable(msg("unknown declaration kind {kind}", kind=body.kind),
                            known_kinds=[c.code for c in await repository.categories(uow.session, "declaration")])
    policy = await repository.policy_for(uow.session, body.area_code)
    id_number = body.id_number.upper()
    phone_key, id_key = vault.key_of(f"phone:{body.phone}"), vault.key_of(f"id:{id_number}")
    since = local_day_start(now)
    ensure_under_daily_limit(await repository.declarations_since(uow.session, since, phone_key=phone_key),
                             policy.declarations_per_phone_per_day, now, "declarations from this phone number")
    ensure_under_daily_limit(await repository.declarations_since(uow.session, since, id_key=id_key),
                             policy.declarations_per_id_per_day, now, "declarations for this ID number")
    if not await codes.use_code(uow, vault, body.phone, body.code, now):
        return None
    found = await match(id_number, at_level(body.area_code, "county"))
    d = Declaration(kind=body.kind, text=body.text, declared_area=body.area_code, matched=found is not None,
                    household_id=found[0] if found else None,
                    area_code=found[1] if found else at_level(body.area_code, "township"),
                    status="awaiting_verification" if found else "unregistered",
                    name_enc=vault.seal(body.name), id_number_enc=vault.seal(id_number),
                    phone_enc=vault.seal(body.phone), phone_key=phone_key, id_key=id_key, received_at=now,
                    due_at=add_working_days(now, policy.verify_working_days) if found else None)
    uow.session.add(d)
    publish(uow, "declaration.received", d)
    await uow.session.flush()
    return d


async def get(uow: UnitOfWork, principal: Principal, declaration_id: uuid.UUID, *,
              lock: bool = False) -> Declaration:
    """``lock`` for a change: the declaration's events are written under its row's lock (the overdue sweep's too)."""
    d = await uow.session.get(Declaration, declaration_id, with_for_update=lock or None)
    if d is None or principal.role not in READERS or not principal.covers(d.area_code):
        raise NotFound("declaration not found")
    return d


async def act(uow: UnitOfWork, vault: Vault, principal: Principal, declaration_id: uuid.UUID, action: str,
              body: DeclarationActionIn, version: int) -> Declaration:
    steps = {"accept": _accept, "decline": _decline, "visit": _visit}
    if action not in steps:
        raise NotFound(msg("unknown action {action}", action=repr(action)), actions=sorted(steps))
    principal.ensure_role(*VERIFIERS)
    d = await get(uow, principal, declaration_id, lock=True)
    check_version(d.version, version, "declaration")
    expected = "unregistered" if action == "visit" else "awaiting_verification"
    if d.status != expected:
        raise Conflict(msg("the declaration is {status}; {action} is not possible", status=d.status, action=action),
                       current_status=d.status)
    d.decided_by, d.decided_at, d.version = principal.subject, uow.clock.now(), d.version + 1
    await steps[action](uow, vault, principal, d, body)
    uow.session.add(d)
    await uow.session.flush()
    return d


async def _accept(uow, vault, principal, d: Declaration, body) -> None:
    """Verified at the home: a ``self_declared`` signal of source ``application`` (农户申报), which opens or
    joins the household's case — from here the normal identification procedure runs."""
    facts = await households.get(uow.session, d.household_id, lock=True)
    if facts is None:
        raise Conflict("the household has not reached monitoring yet; please try again shortly")
    category = await repository.category(uow.session, "declaration", d.kind)
    draft = Draft(category.risk_type if category else "99", RULE, str(d.id),
                  {"declaration_id": str(d.id), "kind": d.kind, "note": body.note})
    _, case = await record_signal(uow, facts, draft, Source.APPLICATION, uow.clock.now(), principal)
    d.status, d.case_id = "verified", case.id if case else None
    publish(uow, "declaration.verified", d)


async def _decline(uow, vault, principal, d: Declaration, body) -> None:
    if not body.note:
        raise Unprocessable("a decline needs its reason (note); the household is told by SMS")
    d.status, d.decline_reason = "declined", body.note
    ref = sms.queue(uow, vault, d.phone_enc, "declaration_declined", {"reason": body.note[:200]})
    publish(uow, "declaration.declined", d, sms_ref=ref)


async def _visit(uow, vault, principal, d: Declaration, body) -> None:
    if principal.role == Role.VILLAGE_CADRE:
        raise Forbidden("an unregistered household is visited by the township")
    if not body.note:
        raise Unprocessable("write what the visit found (note)")
    d.status, d.visit_note = "visited", body.note


async def sweep_declarations(uow: UnitOfWork, now: datetime) -> int:
    """A verification past its days is escalated once, to the township over the village."""
    overdue = await repository.overdue_declarations(uow.session, now)
    for d in overdue:
        d.escalated = True
        uow.session.add(d)
        publish(uow, "declaration.overdue", d, escalate_to=parent_area(d.area_code))
    return len(overdue)
