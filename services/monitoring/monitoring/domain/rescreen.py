"""Re-screening an area after its income line changed (重新筛查), set-based over the read model.

Households of the area whose latest income is below the new line, and whose income's year has this row
as the one in force (the year itself, or a later year no newer row covers), get an ``income_below_line``
signal; the signals' unique fact key makes only the *newly* below ones count (those already signalled for
the same income keep their signal). Each new signal joins the household's open case or opens one.
Households under a deeper area that set its own row for the same year, or whose income is of a year a
newer row covers, keep that row and are skipped.

The rule, the signal, the case it opens, the merge of risk types, the history line and the events are the
per-event path's own (``rules.income_below_line``, ``signals``); only the reads and writes go by the set
(``signals.record_many``, which a batch of registry events goes through too: one statement per table however
many households, the events through ``uow.publish_all``, ``uow.publish`` for many in one INSERT).
"""

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from backstop_common.uow import UnitOfWork
from monitoring.domain.rules import INCOME_BELOW_LINE, income_below_line, income_fact_key
from monitoring.domain.signals import collector_paused, record_many
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
    with collector_paused():  # the rows read and the rows built are many and acyclic
        return await _rescreen(uow, policy, now)


async def _rescreen(uow: UnitOfWork, policy: Policy, now: datetime) -> RescreenResult:
    session = uow.session
    await repo.lock_signals_and_cases(session)
    found = await repo.under_line(session, scope=policy.scope, line=policy.income_line, year=policy.year,
                                  current_year=now.year, rule=INCOME_BELOW_LINE)
    # a fact already signalled is skipped before its draft is built (the unique fact key would refuse it anyway):
    # most are, and building their drafts was a quarter of a re-screen's time. The query's line is the rule's
    # only condition, so they count as below the line without it.
    fresh_rows = [h for h in found if income_fact_key(h.income_year, h.per_capita_income) not in h.signalled]
    fresh = [(h, draft) for h in fresh_rows
             if (draft := income_below_line(h.income_year, h.per_capita_income, h.main_cause, policy))]
    open_cases = {h.household_id: SimpleNamespace(id=h.open_case_id, stage=h.open_stage, risk_types=h.open_risk_types,
                                                  village_code=h.open_village_code)
                  for h, _ in fresh if h.open_case_id is not None}
    done = await record_many(uow, fresh, open_cases, Source.RESCREEN, lambda village: policy, now)
    return RescreenResult(households_below_line=len(found) - len(fresh_rows) + len(fresh), signals_opened=len(done.signals),
                          cases_opened=done.cases_opened, cases_joined=done.cases_joined)
