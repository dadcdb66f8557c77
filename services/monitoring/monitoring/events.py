"""What monitoring publishes and consumes (docs/events.md). The payload models live in
``backstop_events.monitoring`` (shared with the consumers); they are re-exported here for the domain."""

from backstop_common.asyncapi import EventCatalog
from backstop_events import monitoring as contract
from backstop_events import registry as registry_events
from backstop_events.monitoring import (CASE_EVENTS, Actor, AssistancePlanned, CaseConfirmed, CaseEvent,
                                        CaseImported, CaseOpened, CaseOverdue, CaseRejected, CaseReopened,
                                        CaseStepped, ClusterAlertData, DibaoPhaseoutEvent, DibaoRecommended,
                                        Elimination, KeyVisitOverdue, KeyVisitRecorded, PlannedMeasure,
                                        RiskDetected, VisitRecorded)

__all__ = ["Actor", "AssistancePlanned", "CaseConfirmed", "CaseEvent", "CaseImported", "CaseOpened", "CaseOverdue",
           "CaseRejected", "CaseReopened", "CaseStepped", "ClusterAlertData", "DibaoPhaseoutEvent",
           "DibaoRecommended", "Elimination", "KeyVisitOverdue", "KeyVisitRecorded", "PlannedMeasure",
           "RiskDetected", "VisitRecorded"]

catalog = EventCatalog.serving(contract.catalog)
#: ``monitoring.case``'s events by short name → payload model (domain/publishing.py)
PUBLISHED = CASE_EVENTS

#: every registry.household event monitoring applies to its read model, by short name
CONSUMED = ("household.registered", "household.updated", "household.status_changed",
            "household.income_assessed", "household.helper_assigned", "member.added", "member.removed",
            "member.health_changed", "member.schooling_changed", "member.employment_changed",
            "member.insurance_changed", "member.pension_changed", "household.housing_assessed",
            "household.water_assessed", "household.disaster_reported", "household.measure_given")
CONSUMED_TYPES = catalog.follows(registry_events.catalog, CONSUMED)
