"""What notifications publishes and consumes (docs/events.md). The payload models live in
``backstop_events.notifications`` (shared with the consumers); they are re-exported here for the domain."""

from backstop_common.asyncapi import EventCatalog
from backstop_common.envelope import event_type
from backstop_common.topics import (FUNDS_FINANCE, MONITORING_CAMPAIGN, MONITORING_CASE, MONITORING_SUPERVISION,
                                    REGISTRY_HOUSEHOLD)
from backstop_events import funds as funds_events
from backstop_events import monitoring as monitoring_events
from backstop_events import notifications as contract
from backstop_events import registry as registry_events
from backstop_events.notifications import (DELIVERED, ESCALATED, FAILED, NotificationDelivered,
                                           NotificationEscalated, NotificationFailed)
from backstop_events.registry import HouseholdEvent

__all__ = ["DELIVERED", "ESCALATED", "FAILED", "NotificationDelivered", "NotificationEscalated",
           "NotificationFailed"]

catalog = EventCatalog.serving(contract.catalog)

#: every event type of docs/events.md we consume, by topic and publishing service
CONSUMED: dict[tuple[str, str], tuple[str, ...]] = {
    (REGISTRY_HOUSEHOLD, "registry"): (
        "household.registered", "household.updated", "household.status_changed", "household.income_assessed",
        "household.helper_assigned", "member.added", "member.removed", "member.health_changed",
        "member.schooling_changed", "member.employment_changed", "member.insurance_changed",
        "household.housing_assessed", "household.water_assessed", "household.disaster_reported",
        "household.measure_given",
    ),
    (MONITORING_CASE, "monitoring"): (
        "risk.detected", "case.opened", "case.verified", "case.notice_posted", "case.reviewed",
        "case.confirmed", "case.rejected", "case.assistance_planned", "case.visit_recorded",
        "case.elimination_proposed", "case.risk_eliminated", "case.reopened", "case.overdue",
        "area.cluster_alert", "case.elimination_objected", "dibao.recommended", "dibao.phaseout_started",
        "dibao.phaseout_lapsed", "dibao.phaseout_due", "key_visit.overdue",
    ),
    (MONITORING_CAMPAIGN, "monitoring"): (
        "campaign.started", "problem.opened", "problem.rectified", "problem.verified", "problem.deferred",
        "problem.overdue", "target.progressed",
    ),
    (MONITORING_SUPERVISION, "monitoring"): (
        "report.received", "report.assigned", "report.answered", "report.overdue", "report.closed",
        "declaration.received", "declaration.verified", "declaration.declined", "declaration.overdue",
    ),
    (FUNDS_FINANCE, "funds"): (
        "fund.allocated", "project.stage_changed", "disbursement.made", "subsidy.paid",
        "finance.anomaly_detected", "finance.anomaly_resolved",
    ),
}


class RegisteredHousehold(HouseholdEvent):
    """What notifications reads of ``household.registered``: the household, its village and paired helpers (the
    household read model). The routing rules and webhooks read the event's data as it came on the wire; the
    registry's model, which validates every listed member with their facts, was ~15 % of notifications' loop
    digesting a bulk import (issue 18, docs/scaling.md)."""

    helper_user_ids: list[str] = []


#: events parsed into a model of notifications' own (the fields it reads) rather than the publisher's
SLIM: dict[str, type[HouseholdEvent]] = {"household.registered": RegisteredHousehold}

#: whose contract (``backstop_events``) each publishing service's events are parsed with
PUBLISHERS = {"registry": registry_events.catalog, "monitoring": monitoring_events.catalog,
              "funds": funds_events.catalog}
CONSUMED_TYPES: dict[str, str] = {}  # full ce type -> short name
for (_topic, _service), _names in CONSUMED.items():
    for _name in _names:
        _entry = PUBLISHERS[_service].entry(_name)  # KeyError: a name its publisher does not publish
        CONSUMED_TYPES[catalog.consumes(_entry.topic, _entry.type, SLIM.get(_name, _entry.model))] = _name

HOUSEHOLD_REGISTERED = event_type("registry", "household.registered")
HELPER_ASSIGNED = event_type("registry", "household.helper_assigned")
HOUSEHOLD_UPDATED = event_type("registry", "household.updated")
