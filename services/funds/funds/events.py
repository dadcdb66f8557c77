"""What funds publishes on ``funds.finance`` and consumes (docs/events.md). The payload models live in
``backstop_events.funds`` (shared with the consumers); they are re-exported here for the domain."""

from backstop_common.asyncapi import EventCatalog
from backstop_events import funds as contract
from backstop_events import monitoring as monitoring_events
from backstop_events import registry as registry_events
from backstop_events.funds import (Actor, AnomalyDetected, AnomalyResolved, DisbursementMade, FundAllocated,
                                   MoneyReturned, ProjectStageChanged, SubsidyPaid)

__all__ = ["Actor", "AnomalyDetected", "AnomalyResolved", "DisbursementMade", "FundAllocated", "MoneyReturned",
           "ProjectStageChanged", "SubsidyPaid"]

catalog = EventCatalog.serving(contract.catalog)


#: what the read model follows (domain/readmodel.py, handlers.py), by short name → full ce type
CONSUMED_TYPES = {
    **catalog.follows(registry_events.catalog, (
        "household.registered", "household.updated", "household.status_changed", "member.added", "member.removed",
        "member.health_changed", "member.schooling_changed", "household.housing_assessed",
        "member.insurance_changed", "household.helper_assigned", "household.measure_given")),
    **catalog.follows(monitoring_events.catalog,
                      ("case.confirmed", "case.risk_eliminated", "case.reopened", "case.assistance_planned")),
}
