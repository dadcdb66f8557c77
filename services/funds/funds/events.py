"""What funds publishes on ``funds.finance`` and consumes (docs/events.md). The payload models live in
``backstop_events.funds`` (shared with the consumers); they are re-exported here for the domain."""

from backstop_common.asyncapi import EventCatalog
from backstop_common.envelope import event_type
from backstop_common.topics import MONITORING_CASE, REGISTRY_HOUSEHOLD
from backstop_events import funds as contract
from backstop_events.funds import (Actor, AnomalyDetected, AnomalyResolved, DisbursementMade, FundAllocated,
                                   MoneyReturned, ProjectStageChanged, SubsidyPaid)

__all__ = ["Actor", "AnomalyDetected", "AnomalyResolved", "DisbursementMade", "FundAllocated", "MoneyReturned",
           "ProjectStageChanged", "SubsidyPaid"]

catalog = EventCatalog.serving(contract.catalog)


REGISTRY_EVENTS = ("household.registered", "household.updated", "household.status_changed", "member.added",
                   "member.removed", "member.health_changed", "member.schooling_changed",
                   "household.housing_assessed", "member.insurance_changed",
                   "household.helper_assigned", "household.measure_given")
MONITORING_EVENTS = ("case.confirmed", "case.risk_eliminated", "case.reopened", "case.assistance_planned")


def registry_type(name: str) -> str:
    return event_type("registry", name)


def monitoring_type(name: str) -> str:
    return event_type("monitoring", name)


for _name in REGISTRY_EVENTS:
    catalog.consumes(REGISTRY_HOUSEHOLD, registry_type(_name))
for _name in MONITORING_EVENTS:
    catalog.consumes(MONITORING_CASE, monitoring_type(_name))
