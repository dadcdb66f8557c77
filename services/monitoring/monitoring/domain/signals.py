"""Recording a risk signal: the same fact once; a household with an open case gets the signal added
to that case, otherwise a case is opened (one open case per household, enforced by an index too)."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import structlog
from pydantic import BaseModel

from backstop_common.auth import Principal
from backstop_common.topics import MONITORING_CASE
from backstop_common.uow import UnitOfWork
from monitoring.domain.dates import add_days, earliest
from monitoring.domain.policy import area_chain, effective_policy
from monitoring.domain.publishing import case_fields, case_payloads
from monitoring.domain.risk import merge_risk_types
from monitoring.domain.rules import Draft
from monitoring.domain.workflow import STEP_DUE
from monitoring.events import PUBLISHED
from monitoring.models import Case, CaseStep, HouseholdFacts, Policy
from monitoring.repository import cases as case_repo
from monitoring.repository import households as household_repo
from monitoring.repository import policies as policy_repo
from monitoring.repository import rescreen as set_repo
from monitoring.repository import signals as signal_repo
from monitoring.vocab import Stage

log = structlog.get_logger()


def opened_case(case_id: uuid.UUID, household_id: uuid.UUID, village_code: str, risk_types: list[str], source: str,
                policy: Policy | None, now: datetime) -> dict:
    """A case as a signal opens it (识别程序 starts): the village's verification and the county's decision
    fall due by the policy's days. Its columns (``Case(**…)`` one at a time, a set as they are)."""
    due = add_days(now, policy.verify_days if policy else None)
    return dict(id=case_id, household_id=household_id, village_code=village_code, stage=Stage.OPENED,
                risk_types=risk_types, gaps=[], source=source, opened_at=now,
                decision_due_at=add_days(now, policy.decision_days if policy else None),
                due_step=STEP_DUE[Stage.OPENED], due_at=due, next_due_at=earliest(due), version=1, updated_at=now)


@dataclass
class _Remembered:
    stamp: tuple[object, int] | None = None  # (the database's URL, the policies' stamp)
    policies: dict[tuple[str, int], Policy | None] = field(default_factory=dict)


_remembered = _Remembered()


def _copy(policy: Policy | None) -> Policy | None:
    return policy and Policy(**{c.name: getattr(policy, c.name) for c in Policy.__table__.columns})


def _remembering(session) -> dict[tuple[str, int], Policy | None] | None:
    """The policies remembered under the stamp in ``session.info`` (forgotten when it is another); None
    without a stamp."""
    stamp = session.info.get(household_repo.POLICIES_STAMP_KEY)
    if stamp is None:
        return None
    # one process, one database: its tests run several (the URL itself: rendering it was a tenth of a turn's screening)
    stamp = (session.bind.url, stamp)
    if stamp != _remembered.stamp:
        _remembered.stamp, _remembered.policies = stamp, {}
    return _remembered.policies


async def policy_in_force(session, village_code: str, year: int) -> Policy | None:
    """``effective_policy``, remembered by this process while the policies table's stamp — read with the
    household's row (``households.get_or_create``, ``get_many(stamped=True)``), no round trip of its own — stays
    what it was: a stream of events asks for the same few villages and years, and the lookup was a fifth of
    such an event (profiled). Without a stamp (a new household, another caller) it is looked up. The rows
    remembered are copies, outside any session (a commit expires the session's)."""
    remembered = _remembering(session)
    if remembered is None:
        return await effective_policy(session, village_code, year)
    if (village_code, year) not in remembered:
        remembered[(village_code, year)] = _copy(await effective_policy(session, village_code, year))
    return remembered[(village_code, year)]


async def policies_in_force(session, asks: set[tuple[str, int]]) -> dict[tuple[str, int], Policy | None]:
    """``policy_in_force`` of many (village, year) asks (a batch's): those not remembered looked up in one
    statement (``policies.newest_in_chains``), none while the stamp stands and all are remembered."""
    remembered = _remembering(session)
    known = {} if remembered is None else {a: remembered[a] for a in asks if a in remembered}
    missing = sorted(set(asks) - set(known))
    found = await policy_repo.newest_in_chains(session, [(area_chain(village), year) for village, year in missing])
    for ask, policy in zip(missing, found, strict=True):
        known[ask] = policy if remembered is None else remembered.setdefault(ask, _copy(policy))
    return known


async def _open_case(uow: UnitOfWork, household: HouseholdFacts, draft: Draft, source: str, now: datetime,
                     case_id: uuid.UUID, signal_id: uuid.UUID) -> tuple[Case, bool]:
    """Open a case for the signal; when a concurrent writer opened one first (the one-open-case index
    refuses ours), join that one instead. Returns (case, opened). Routes and the consumer already
    serialise on the household's read-model row; this is the guard for any other writer."""
    policy = await policy_in_force(uow.session, household.village_code, now.year)
    columns = opened_case(case_id, household.household_id, household.village_code, [draft.risk_type], source,
                          policy, now)
    if await case_repo.insert_unless_open(uow.session, columns):
        return Case(**columns), True  # as written (not in the session: nothing here changes it after)
    case = await case_repo.open_for_household(uow.session, household.household_id, lock=True)
    if case is None:
        raise RuntimeError("the one-open-case index refused a case, yet no case is open")
    log.info("case.open_raced", household_id=str(household.household_id), case_id=str(case.id))
    await signal_repo.move_to_case(uow.session, signal_id, case.id)
    return case, False


def signal_row(household_id: uuid.UUID, village_code: str, draft: Draft, source: str, case_id: uuid.UUID,
               principal: Principal | None, now: datetime) -> dict:
    """The signal (风险点) a draft records, on the case it opens or joins."""
    return dict(id=uuid.uuid4(), household_id=household_id, village_code=village_code, risk_type=draft.risk_type,
                rule=draft.rule, fact_key=draft.fact_key, facts=draft.facts, source=source, case_id=case_id,
                actor_user_id=principal.subject if principal else None,
                actor_role=str(principal.role) if principal else None, created_at=now)


def signal_step(case: Case, signal_id: uuid.UUID, draft: Draft, source: str, opened: bool,
                principal: Principal | None, now: datetime) -> dict:
    """The case history's line for a signal: ``open`` when it opened the case, ``signal`` when it joined."""
    return dict(id=uuid.uuid4(), case_id=case.id, action="open" if opened else "signal",
                from_stage=None if opened else case.stage, to_stage=case.stage,
                actor_user_id=principal.subject if principal else None,
                actor_role=str(principal.role) if principal else None, note=draft.rule,
                data={"signal_id": str(signal_id), "risk_type": draft.risk_type, "source": source}, at=now)


def signal_event_fields(case: Case, signal_id: uuid.UUID, draft: Draft, source: str, opened: bool,
                        principal: Principal | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(name, payload fields) of ``case.opened`` (when the signal opened the case), then ``risk.detected``."""
    events = []
    if opened:
        events.append(("case.opened", case_fields(case, principal, risk_types=case.risk_types, source=source,
                                                  stage=case.stage, due_at=case.due_at)))
    events.append(("risk.detected", case_fields(case, principal, signal_id=signal_id, risk_type=draft.risk_type,
                                                rule=draft.rule, facts=draft.facts, source=source)))
    return events


def signal_events(case: Case, signal_id: uuid.UUID, draft: Draft, source: str, opened: bool,
                  principal: Principal | None = None) -> list[tuple[str, Case, BaseModel]]:
    """(name, case, payload) of ``case.opened`` (when the signal opened the case), then ``risk.detected``."""
    return [(name, case, PUBLISHED[name](**fields))
            for name, fields in signal_event_fields(case, signal_id, draft, source, opened, principal)]


async def record_signal(uow: UnitOfWork, household: HouseholdFacts, draft: Draft, source: str, now: datetime,
                        principal: Principal | None = None) -> tuple[uuid.UUID | None, Case | None]:
    """Returns (signal id, its case); (None, None) when the same fact was already recorded."""
    session = uow.session
    case = await case_repo.open_for_household(session, household.household_id, lock=True)
    case_id = case.id if case else uuid.uuid4()
    signal_id = await signal_repo.insert_once(session, signal_row(
        household.household_id, household.village_code, draft, source, case_id, principal, now))
    if signal_id is None:
        return None, None
    opened = case is None
    if opened:
        case, opened = await _open_case(uow, household, draft, source, now, case_id, signal_id)
    if not opened:
        case.risk_types = merge_risk_types(case.risk_types, draft.risk_type)
        case.version, case.updated_at = case.version + 1, now
    session.add(CaseStep(**signal_step(case, signal_id, draft, source, opened, principal, now)))
    await session.flush()
    for name, _, data in signal_events(case, signal_id, draft, source, opened, principal):
        uow.publish(MONITORING_CASE, name, subject=case.id, area_code=case.village_code, data=data)
    return signal_id, case


@dataclass
class Recorded:
    """What ``record_many`` wrote: the new signals' ids, the cases opened and joined, the villages touched; and
    what it leaves to write (``writes``: the new cases, history lines and events, for the caller's next
    statement to carry — ``intake._clusters``)."""

    signals: set[uuid.UUID] = field(default_factory=set)
    households: set[uuid.UUID] = field(default_factory=set)  # those with a new signal
    cases_opened: int = 0
    cases_joined: int = 0
    villages: dict[str, Any] = field(default_factory=dict)  # village → the household facts that signalled there
    writes: set_repo.Writes = set_repo.Writes()


async def record_many(uow: UnitOfWork, drafted: list[tuple[Any, Draft]], source: str,
                      policy_of: Callable[[str], Policy | None], now: datetime) -> Recorded:
    """``record_signal`` for many (household, draft) pairs at once, in their order, by the set: the signals by one
    statement, the households' open cases read with them (``rescreen.insert_signals``), the new cases, history lines
    and events handed back to be written (``Recorded.writes``) by the caller's next statement. ``policy_of``: the
    policy a village's new case takes its days from. A household's first new signal opens its case (or joins
    the open one), the next ones join it — the rows, history lines and event payloads ``record_signal`` writes
    one at a time (tests/core/test_rescreen_parity.py, test_batch_digest.py)."""
    new_case = {h.household_id: uuid.uuid4() for h, _ in drafted}  # the case a household opens if it has none
    rows = [signal_row(h.household_id, h.village_code, draft, source, new_case[h.household_id], None, now)
            for h, draft in drafted]
    written, open_cases = await set_repo.insert_signals(uow.session, rows)
    done = Recorded(written)
    opened: dict[uuid.UUID, dict] = {}
    joined: dict[uuid.UUID, tuple[list[str], int]] = {}
    cases: dict[uuid.UUID, SimpleNamespace] = {}
    steps, events = [], []
    for (h, draft), row in zip(drafted, rows, strict=True):
        if row["id"] not in done.signals:
            continue
        done.villages.setdefault(h.village_code, h)
        done.households.add(h.household_id)
        case = cases.get(h.household_id)
        is_new = case is None and h.household_id not in open_cases
        if is_new:
            columns = opened_case(row["case_id"], h.household_id, h.village_code, [draft.risk_type], source,
                                  policy_of(h.village_code), now)
            opened[row["case_id"]] = columns
            case = cases[h.household_id] = SimpleNamespace(**columns)
        else:
            if case is None:
                was = open_cases[h.household_id]
                case = cases[h.household_id] = SimpleNamespace(id=was["case_id"], household_id=h.household_id,
                                                               village_code=was["village_code"], stage=was["stage"],
                                                               risk_types=was["risk_types"])
            case.risk_types = merge_risk_types(case.risk_types, draft.risk_type)
            if case.id in opened:
                opened[case.id].update(risk_types=case.risk_types, version=opened[case.id]["version"] + 1)
            else:
                joined[case.id] = (case.risk_types, joined.get(case.id, ([], 0))[1] + 1)
        steps.append(signal_step(case, row["id"], draft, source, is_new, None, now))
        events += [(name, case, fields) for name, fields in signal_event_fields(case, row["id"], draft, source, is_new)]
    await set_repo.join_cases(uow.session, joined, now)
    payloads = case_payloads([(name, fields) for name, _, fields in events])
    await uow.session.flush()  # events staged by ``publish`` before these keep their place in the outbox
    # the new cases, history lines and events: written by the turn's last statement (``intake._clusters``)
    done.writes = set_repo.cases_steps_events(list(opened.values()), steps, uow.publish_rows(
        MONITORING_CASE, [(name, case.id, data, case.village_code)
                          for (name, case, _), data in zip(events, payloads, strict=True)]))
    done.cases_opened, done.cases_joined = len(opened), len(joined)
    return done
