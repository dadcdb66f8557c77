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
"""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

from asgi_correlation_id import correlation_id

from backstop_common.envelope import event_type, source_of
from backstop_common.topics import MONITORING_CASE
from backstop_common.uow import UnitOfWork
from monitoring.domain.publishing import case_fields, case_payloads
from monitoring.domain.risk import income_risk_type, merge_risk_types
from monitoring.domain.rules import INCOME_BELOW_LINE
from monitoring.domain.signals import opened_case
from monitoring.models import Policy
from monitoring.repository import rescreen as repo
from monitoring.vocab import RISK_CODES, Source


@dataclass
class RescreenResult:
    households_below_line: int
    signals_opened: int
    cases_opened: int
    cases_joined: int
    cluster_alerts: int = 0
    dibao_recommended: int = 0  # 低保 line: households now under it and off 低保, recommended once


async def rescreen(uow: UnitOfWork, policy: Policy, now: datetime) -> RescreenResult:
    session = uow.session
    await repo.lock_signals_and_cases(session)
    await session.flush()  # rows the session holds come before these in the tables and the outbox
    below, kept = await repo.stage_fresh(session, scope=policy.scope, line=policy.income_line, year=policy.year,
                                         current_year=now.year, rule=INCOME_BELOW_LINE, causes=CAUSES,
                                         risk_types=[income_risk_type(c) for c in CAUSES],
                                         other=income_risk_type(None))
    joined = {case_id: (merge_risk_types(risk_types, new), 1) for case_id, risk_types, new in await repo.joining(session)}
    await repo.join_cases(session, joined, now)
    case = opened_case(None, None, None, [], Source.RESCREEN, policy, now)
    opened = await repo.record_fresh(session, rule=INCOME_BELOW_LINE, source=Source.RESCREEN,
                                     case={k: v for k, v in case.items() if k not in _PER_ROW}, now=now)
    await repo.stage_events(session, _events(uow, case))
    return RescreenResult(households_below_line=below, signals_opened=kept, cases_opened=opened,
                          cases_joined=len(joined))


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
