"""What monitoring publishes and consumes (DESIGN.md §2, docs/events.md)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from backstop_common.asyncapi import EventCatalog
from backstop_common.envelope import event_type
from backstop_common.topics import MONITORING_CASE, REGISTRY_HOUSEHOLD

catalog = EventCatalog("monitoring")

#: every registry.household event monitoring applies to its read model, by short name
CONSUMED = ("household.registered", "household.updated", "household.status_changed",
            "household.income_assessed", "household.helper_assigned", "member.added", "member.removed",
            "member.health_changed", "member.schooling_changed", "member.employment_changed",
            "member.insurance_changed", "household.housing_assessed", "household.water_assessed",
            "household.disaster_reported", "household.measure_given")
CONSUMED_TYPES = {name: catalog.consumes(REGISTRY_HOUSEHOLD, event_type("registry", name)) for name in CONSUMED}


class Actor(BaseModel):
    user_id: str
    role: str


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


PUBLISHED: dict[str, type[BaseModel]] = {
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
for _name, _model in PUBLISHED.items():
    catalog.publishes(MONITORING_CASE, _name, _model)
