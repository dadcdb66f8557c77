"""What monitoring publishes (docs/contract.md §2, docs/events.md, docs/campaigns.md, docs/supervision.md): cases
on ``monitoring.case``, investigation campaigns on ``monitoring.campaign``, 12317 reports and households'
self-declarations on ``monitoring.supervision``. Ids, areas, codes and deadlines only — never a name, an ID
number or a phone.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from backstop_common.asyncapi import EventCatalog
from backstop_common.topics import MONITORING_CAMPAIGN, MONITORING_CASE, MONITORING_SUPERVISION
from backstop_events.common import Actor

__all__ = ["Actor"]  # re-exported: monitoring's payloads name who acted


# ── monitoring.case ─────────────────────────────────────────────────────────────────────────────────────

class CaseEvent(BaseModel):
    case_id: uuid.UUID
    household_id: uuid.UUID
    village_code: str
    actor: Actor | None = None


class RiskDetected(CaseEvent):
    """A risk signal (风险点) with the rule and facts that fired it, and the case it opened or joined."""

    signal_id: uuid.UUID
    risk_type: str
    rule: str
    facts: dict[str, Any]
    source: str


class CaseOpened(CaseEvent):
    """A monitoring case was opened for a household."""

    risk_types: list[str]
    source: str
    stage: str
    due_at: datetime | None


class CaseStepped(CaseEvent):
    """A workflow step: verified (village) / notice posted (村内公示) / reviewed (township)."""

    stage: str
    note: str | None = None
    due_at: datetime | None = None


class CaseConfirmed(CaseEvent):
    """The county confirmed the household as monitored (监测对象) in a category."""

    category: str
    risk_types: list[str]
    gaps: list[str]
    plan_due_at: datetime | None


class CaseRejected(CaseEvent):
    """The case was rejected, with a reason."""

    reason: str


class PlannedMeasure(BaseModel):
    measure_type: str
    responsible_unit: str
    helper_user_id: str | None = None


class AssistancePlanned(CaseEvent):
    """Assistance measures were planned for a monitored household."""

    measures: list[PlannedMeasure]
    due_at: datetime | None
    instant_help: bool = False  # optional v1 field: planned before confirmation (即时帮扶, seed 004)


class VisitRecorded(CaseEvent):
    """A visit (巡访) was recorded."""

    visit_id: uuid.UUID
    visited_on: date
    next_visit_due: datetime | None


class Elimination(CaseEvent):
    """Risk elimination (风险消除) proposed by the township (its village notice running until
    ``notice_ends_at``) / objected to during the notice / refused or approved by the county."""

    method: str
    note: str | None = None
    notice_ends_at: datetime | None = None  # optional v1 field: the elimination notice (proposed only)


class CaseReopened(CaseEvent):
    """A rejected or eliminated case was reopened when risk returned."""

    reason: str
    risk_types: list[str]


class CaseOverdue(CaseEvent):
    """A workflow step, the plan or a quarterly visit missed its deadline (once per deadline)."""

    step: str
    due_at: datetime
    escalate_to_area: str | None


class CaseImported(CaseEvent):
    """A household the national system already monitors arrived from the registry's import as the case
    it is (confirmed, or eliminated), with its category and the national dates."""

    stage: str
    category: str
    risk_types: list[str]
    identified_on: date | None
    eliminated_on: date | None


class KeyVisitRecorded(BaseModel):
    """A key household (重点巡访对象, seed 004) was visited without a case."""

    household_id: uuid.UUID
    village_code: str
    visit_id: uuid.UUID
    visited_on: date


class KeyVisitOverdue(BaseModel):
    """A key household missed its quarterly visit (once per due date): for its helpers and village."""

    household_id: uuid.UUID
    village_code: str
    due_at: datetime


class ClusterAlertData(BaseModel):
    """Many households of one village got risk signals in a window (规模性返贫 early warning)."""

    area_code: str
    window_days: int
    households_with_signals: int
    households_total: int
    share: Decimal
    threshold: Decimal


class DibaoRecommended(BaseModel):
    """A household's per-capita income is under the 低保 line and it is not on 低保: civil affairs
    should take it in (seed 000: 预计年人均纯收入不达4400元的贫困户，要全部纳入低保保障范围)."""

    household_id: uuid.UUID
    village_code: str
    year: int | None
    per_capita_income: Decimal
    dibao_line: Decimal


class DibaoPhaseoutEvent(BaseModel):
    """低保渐退: a phase-out started (income above the line while on 低保), lapsed (低保 ended before
    its end without civil affairs' review) or ran out (``due``: still on 低保 at its end)."""

    household_id: uuid.UUID
    village_code: str
    phaseout_id: uuid.UUID
    started_at: datetime
    ends_at: datetime
    outcome: str | None = None


#: ``monitoring.case``: short name → payload model
CASE_EVENTS: dict[str, type[BaseModel]] = {
    "risk.detected": RiskDetected, "case.opened": CaseOpened, "case.verified": CaseStepped,
    "case.notice_posted": CaseStepped, "case.reviewed": CaseStepped, "case.confirmed": CaseConfirmed,
    "case.rejected": CaseRejected, "case.assistance_planned": AssistancePlanned,
    "case.visit_recorded": VisitRecorded, "case.elimination_proposed": Elimination,
    "case.risk_eliminated": Elimination, "case.elimination_refused": Elimination,
    "case.elimination_objected": Elimination, "case.reopened": CaseReopened, "case.overdue": CaseOverdue,
    "area.cluster_alert": ClusterAlertData, "case.imported": CaseImported,
    "key_visit.recorded": KeyVisitRecorded, "key_visit.overdue": KeyVisitOverdue,
    "dibao.recommended": DibaoRecommended, "dibao.phaseout_started": DibaoPhaseoutEvent,
    "dibao.phaseout_lapsed": DibaoPhaseoutEvent, "dibao.phaseout_due": DibaoPhaseoutEvent,
}


# ── monitoring.campaign ─────────────────────────────────────────────────────────────────────────────────

class CampaignTerms(BaseModel):
    """What an investigation campaign (大排查) is: its name, area, deadlines and checklist — announced by
    ``campaign.started`` and answered by monitoring's API (``CampaignOut``) alike."""

    name: str
    area_code: str
    investigation_due: datetime
    rectification_due: datetime
    checks: list[str]


class CampaignStarted(CampaignTerms):
    """An investigation campaign (大排查) began over an area with its checklist and deadlines."""

    campaign_id: uuid.UUID
    actor: Actor | None = None


class ProblemEvent(BaseModel):
    """A problem of a campaign's list moved: opened / rectified / verified / deferred / overdue.

    Beyond docs/events.md: ``status`` (after the step), ``title`` (of the check), ``note`` (what was done,
    the reason, or ``data`` when the data showed it fixed)."""

    problem_id: uuid.UUID
    campaign_id: uuid.UUID
    check: str
    title: str | None = None
    household_id: uuid.UUID | None
    village_code: str
    responsible_unit: str
    due_at: datetime
    status: str
    note: str | None = None
    actor: Actor | None = None


class TargetProgressed(BaseModel):
    """Counted progress of an annual target (挂图作战) moved."""

    target_id: uuid.UUID
    year: int
    area_code: str
    measure: str
    target: int
    done: int


#: docs/events.md's five, plus ``problem.started`` (work began / resumed after deferral) and
#: ``problem.rejected`` (the level above refused a rectification), so every step has its event
PROBLEM_EVENTS = ("problem.opened", "problem.started", "problem.rectified", "problem.verified", "problem.rejected",
                  "problem.deferred", "problem.overdue")


# ── monitoring.supervision ──────────────────────────────────────────────────────────────────────────────

class ReportEvent(BaseModel):
    """A 12317 report (举报) moved: received / assigned / answered / overdue / closed."""

    report_id: uuid.UUID
    channel: str
    category: str
    area_code: str
    handling_area: str
    conflict_of_interest: bool
    status: str
    step: str
    due_at: datetime | None = None
    #: assigned: accepted / extended / reopened; closed: declined / satisfied / unsatisfied
    reason: str | None = None
    #: overdue: the office one level above the step's owner, told once
    escalate_to_area: str | None = None


class DeclarationEvent(BaseModel):
    """A household's self-declaration (自主申报) moved: received / verified / declined / overdue."""

    declaration_id: uuid.UUID
    kind: str
    area_code: str
    matched: bool
    household_id: uuid.UUID | None = None
    status: str
    due_at: datetime | None = None
    case_id: uuid.UUID | None = None
    #: declined: the opaque reference of the household's SMS (notifications logs the same reference)
    sms_ref: uuid.UUID | None = None
    escalate_to_area: str | None = None


REPORT_EVENTS = ("report.received", "report.assigned", "report.answered", "report.overdue", "report.closed")
DECLARATION_EVENTS = ("declaration.received", "declaration.verified", "declaration.declined",
                      "declaration.overdue")

catalog = EventCatalog("monitoring")
for _name, _model in CASE_EVENTS.items():
    catalog.publishes(MONITORING_CASE, _name, _model)
catalog.publishes(MONITORING_CAMPAIGN, "campaign.started", CampaignStarted)
for _name in PROBLEM_EVENTS:
    catalog.publishes(MONITORING_CAMPAIGN, _name, ProblemEvent)
catalog.publishes(MONITORING_CAMPAIGN, "target.progressed", TargetProgressed)
for _name in REPORT_EVENTS:
    catalog.publishes(MONITORING_SUPERVISION, _name, ReportEvent)
for _name in DECLARATION_EVENTS:
    catalog.publishes(MONITORING_SUPERVISION, _name, DeclarationEvent)
