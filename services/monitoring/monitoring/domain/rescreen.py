"""Re-screening an area after its income line changed (重新筛查), set-based over the read model.

Households of the area whose latest income is below the new line, and whose income's year has this row
as the one in force (the year itself, or a later year no newer row covers), get an ``income_below_line``
signal; the signals' unique fact key makes only the *newly* below ones count (those already signalled for
the same income keep their signal). Each new signal joins the household's open case or opens one.
Households under a deeper area that set its own row for the same year, or whose income is of a year a
newer row covers, keep that row and are skipped.

No row is built in Python: a province's line change re-screens millions of households, and at ~190 µs of
Python a new case (its draft, rows, payloads and envelopes) the 167,000 cases of a 2,000,000-household raise
were half a minute (bench/RESULTS.md, bench/province.py). The households kept, their signals, cases, history
lines and events are each one statement over a temporary table (``repository.rescreen``). What is the rule's
stays in Python and reaches the statements as data: the risk type by the table of ``income_risk_type``'s
answers, the case's dates and stage by ``signals.opened_case``, the merge of risk types of the (few) cases
joined by ``merge_risk_types``, the payloads' shared fields by their event models. The fact key and facts are
written again in SQL; tests/core/test_rescreen_parity.py holds the two paths to the same rows and
byte-identical payloads.

A line set above a county (a province's or a city's row) is re-screened **by county** (docs/scaling.md,
"PostgreSQL by county"): one statement runs on one core, and a province's 500,000 households under the line
were 30 s of it in one transaction. The PUT commits the row with a pending re-screen per county
(``pend_counties``); each county is then ``rescreen_county``, a transaction of its own that deletes its
pending row with its signals, cases and outbox rows — several at once (``rescreen_counties``, run by the
request), and any a crash left pending finished by the recovery job (``jobs.rescreen_recovery``). A county's transaction does not lock the tables (that would
make the counties wait for each other): the constraints catch an event handler's writes in between — the
signals' fact key and the one-open-case index refuse a signal or case it wrote first, ``repo.joining`` locks
the cases joined and reads them again — and a county refused is run again (``Raced``), its work rolled back.
"""

import asyncio
import json
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from types import SimpleNamespace

import structlog
from asgi_correlation_id import correlation_id

from backstop_common.envelope import event_type, source_of
from backstop_common.topics import MONITORING_CASE
from backstop_common.uow import UnitOfWork
from monitoring.domain import cluster
from monitoring.domain.publishing import case_fields, case_payloads
from monitoring.domain.risk import income_risk_type, merge_risk_types
from monitoring.domain.rules import INCOME_BELOW_LINE
from monitoring.domain.signals import opened_case
from monitoring.models import Policy
from monitoring.repository import rescreen as repo
from monitoring.vocab import RISK_CODES, Source

log = structlog.get_logger()
#: a unit of work that commits when its block ends (the request's or the job runner's: ``jobs.unit_of_work``)
Transaction = Callable[[], AbstractAsyncContextManager[UnitOfWork]]


@dataclass
class RescreenResult:
    households_below_line: int
    signals_opened: int
    cases_opened: int
    cases_joined: int
    cluster_alerts: int = 0
    dibao_recommended: int = 0  # 低保 line: households now under it and off 低保, recommended once
    counties: int = 0  # a row above a county: the counties re-screened each in a transaction of its own


class Raced(Exception):
    """A case a county's re-screen was to join was closed by another writer meanwhile: run the county again."""


async def rescreen(uow: UnitOfWork, policy: Policy, now: datetime, county: str | None = None) -> RescreenResult:
    """The row's households (one ``county`` of them, in a transaction of the county's own, when given)."""
    session = uow.session
    if county is None:
        await repo.lock_signals_and_cases(session)
    await session.flush()  # rows the session holds come before these in the tables and the outbox
    below, kept = await repo.stage_fresh(session, scope=policy.scope, area=county or policy.scope,
                                         line=policy.income_line, year=policy.year, current_year=now.year,
                                         rule=INCOME_BELOW_LINE, causes=CAUSES,
                                         risk_types=[income_risk_type(c) for c in CAUSES],
                                         other=income_risk_type(None))
    rows, to_join = await repo.joining(session)
    if len(rows) < to_join:
        raise Raced(county)
    joined = {case_id: (merge_risk_types(risk_types, new), 1) for case_id, risk_types, new in rows}
    await repo.join_cases(session, joined, now)
    case = opened_case(None, None, None, [], Source.RESCREEN, policy, now)
    opened = await repo.record_fresh(session, rule=INCOME_BELOW_LINE, source=Source.RESCREEN,
                                     case={k: v for k, v in case.items() if k not in _PER_ROW}, now=now)
    await repo.stage_events(session, _events(uow, case))
    return RescreenResult(households_below_line=below, signals_opened=kept, cases_opened=opened,
                          cases_joined=len(joined))


def by_county(policy: Policy) -> bool:
    """A row above a county is re-screened county by county."""
    return len(policy.scope) < COUNTY_DIGITS


async def pend_counties(uow: UnitOfWork, policy: Policy, now: datetime) -> int:
    """A pending re-screen for each county of the row's scope, committed with the row; how many."""
    counties = await repo.counties(uow.session, policy.scope)
    await repo.add_pending(uow.session, policy.year, policy.scope, counties, now)
    return len(counties)


async def rescreen_county(uow: UnitOfWork, year: int, scope: str, county: str, now: datetime) -> RescreenResult | None:
    """The pending re-screen of ``county`` for the (year, scope) row, done and no longer pending when this
    commits; None when it is not pending (done, or taken by another transaction now)."""
    if not await repo.take_pending(uow.session, year, scope, county):
        return None
    policy = await repo.policy(uow.session, year, scope)
    result = await rescreen(uow, policy, now, county=county)
    if result.signals_opened:
        result.cluster_alerts = await cluster.check(uow, policy, now, scope=county)
    await repo.done(uow.session, year, scope, county)
    log.info("rescreen.county_done", year=year, scope=scope, county=county, signals=result.signals_opened,
             cases=result.cases_opened)
    return result


async def rescreen_counties(transaction: Transaction, year: int, scope: str, now: datetime,
                            parallelism: int) -> list[RescreenResult]:
    """The pending re-screens of the (year, scope) row, each county in a transaction of its own,
    ``parallelism`` at once; the results of those done here (a county found taken is another's: a crash's
    recovery, or a second PUT of the same row)."""
    async with transaction() as uow:
        counties = await repo.pending(uow.session, year, scope)
    gate = asyncio.Semaphore(parallelism)

    async def one(county: str) -> RescreenResult | None:
        async with gate:
            return await county_committed(transaction, year, scope, county, now)

    return [r for r in await asyncio.gather(*(one(c) for c in counties)) if r is not None]


async def county_committed(transaction: Transaction, year: int, scope: str, county: str,
                           now: datetime) -> RescreenResult | None:
    """``rescreen_county`` in a ``transaction`` of its own, run again when an event handler's write in between
    refused it (the signals' fact key, the one-open-case index, a joined case closed: ``Raced``). Still
    refused after a few tries, it is left pending for the recovery job."""
    for attempt in range(1, TRIES + 1):
        try:
            async with transaction() as uow:
                return await rescreen_county(uow, year, scope, county, now)
        except (repo.REFUSED, Raced) as exc:
            log.info("rescreen.county_raced", county=county, attempt=attempt, error=type(exc).__name__)
    log.warning("rescreen.county_left_pending", year=year, scope=scope, county=county)
    return None


def add_up(results: list[RescreenResult]) -> RescreenResult:
    """The counties' results as one."""
    return RescreenResult(*(sum(getattr(r, f.name) for r in results) for f in fields(RescreenResult)))


#: a county refused this many times in a row waits for the recovery job
TRIES = 3
#: the digits of a county's code (province 2, city 2, county 2)
COUNTY_DIGITS = 6
#: the columns of an opened case that are the household's own (the rest every case of a re-screen shares)
_PER_ROW = ("id", "household_id", "village_code", "risk_types", "source")
#: the household's main cause is its income signal's risk type when ``income_risk_type`` says so
CAUSES = sorted(RISK_CODES)


def _events(uow: UnitOfWork, due: dict) -> dict:
    """The outbox statement's parameters: the envelope's and each event model's dump of the fields every event
    of the re-screen shares (the household's own are set over them by the statement); ``due``: the columns
    of a case it opens."""
    someone = SimpleNamespace(id=_NOBODY, household_id=_NOBODY, village_code="")
    opened, detected = case_payloads([
        ("case.opened", case_fields(someone, risk_types=[], source=Source.RESCREEN, stage=due["stage"],
                                    due_at=due["due_at"])),
        ("risk.detected", case_fields(someone, signal_id=_NOBODY, risk_type="", rule=INCOME_BELOW_LINE, facts={},
                                      source=Source.RESCREEN))])
    return {"topic": MONITORING_CASE, "event_source": source_of(uow.service), "correlation_id": correlation_id.get(),
            "time": datetime.now(UTC), "opened_type": event_type(uow.service, "case.opened"),
            "detected_type": event_type(uow.service, "risk.detected"),
            "opened": json.dumps(opened), "detected": json.dumps(detected)}


_NOBODY = uuid.UUID(int=0)
