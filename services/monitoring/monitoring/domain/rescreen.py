"""Re-screening an area after its income line changed (重新筛查), set-based over the read model.

Households of the area whose latest income is below the new line, and whose income's year has this row
as the one in force (the year itself, or a later year no newer row covers), get an ``income_below_line``
signal; the signals' unique fact key makes only the *newly* below ones count (those already signalled for
the same income keep their signal). Each new signal joins the household's open case or opens one.
Households under a deeper area that set its own row for the same year, or whose income is of a year a
newer row covers, keep that row and are skipped.

The rule, the signal, the case it opens, the merge of risk types, the history line and the events are the
per-event path's own (``rules.income_below_line``, ``signals``); only the reads and writes go by the set
(``repository.rescreen``: one statement per table however many households), and the events go through
``uow.publish_all`` (``uow.publish`` for many: the same events, one INSERT).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from backstop_common.topics import MONITORING_CASE
from backstop_common.uow import UnitOfWork
from monitoring.domain.risk import merge_risk_types
from monitoring.domain.rules import INCOME_BELOW_LINE, income_below_line
from monitoring.domain.signals import opened_case, signal_events, signal_row, signal_step
from monitoring.models import Policy
from monitoring.repository import rescreen as repo
from monitoring.vocab import Source


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
    found = await repo.under_line(session, scope=policy.scope, line=policy.income_line, year=policy.year,
                                  current_year=now.year, rule=INCOME_BELOW_LINE)
    drafted = [(h, draft) for h in found
               if (draft := income_below_line(h.income_year, h.per_capita_income, h.main_cause, policy))]
    # a fact already signalled is skipped here (the unique fact key would refuse it anyway): most are
    fresh = [(h, draft) for h, draft in drafted if draft.fact_key not in h.signalled]
    rows = [signal_row(h.household_id, h.village_code, draft, Source.RESCREEN, h.open_case_id or uuid.uuid4(),
                       None, now) for h, draft in fresh]
    new = await repo.insert_signals(session, rows)
    opened: list[dict] = []
    joined: dict[uuid.UUID, list[str]] = {}
    steps, events = [], []
    for (h, draft), row in zip(fresh, rows, strict=True):
        if row["id"] not in new:
            continue
        if h.open_case_id is None:
            columns = opened_case(row["case_id"], h.household_id, h.village_code, [draft.risk_type],
                                  Source.RESCREEN, policy, now)
            opened.append(columns)
            case = SimpleNamespace(**columns)
        else:
            case = SimpleNamespace(id=h.open_case_id, household_id=h.household_id, village_code=h.village_code,
                                   stage=h.open_stage, risk_types=merge_risk_types(h.open_risk_types, draft.risk_type))
            joined[case.id] = case.risk_types
        steps.append(signal_step(case, row["id"], draft, Source.RESCREEN, h.open_case_id is None, None, now))
        events += signal_events(case, row["id"], draft, Source.RESCREEN, h.open_case_id is None)
    await repo.insert_cases(session, opened)
    await repo.join_cases(session, joined, now)
    await repo.insert_steps(session, steps)
    await uow.publish_all(MONITORING_CASE, [(name, case.id, data, case.village_code) for name, case, data in events])
    return RescreenResult(households_below_line=len(drafted), signals_opened=len(new), cases_opened=len(opened),
                          cases_joined=len(joined))
