"""What funds publishes on ``funds.finance`` and consumes (docs/events.md). The payload models live in
``backstop_events.funds`` (shared with the consumers); they are re-exported here for the domain."""

import uuid

from pydantic import BaseModel

from backstop_common.asyncapi import EventCatalog
from backstop_events import funds as contract
from backstop_events import monitoring as monitoring_events
from backstop_events import registry as registry_events
from backstop_events.funds import (Actor, AnomalyDetected, AnomalyResolved, DisbursementMade, FundAllocated,
                                   MoneyReturned, ProjectStageChanged, SubsidyPaid)
from backstop_events.registry import HouseholdEvent

__all__ = ["Actor", "AnomalyDetected", "AnomalyResolved", "DisbursementMade", "FundAllocated", "MoneyReturned",
           "ProjectStageChanged", "SubsidyPaid"]

catalog = EventCatalog.serving(contract.catalog)


class ListedFacts(BaseModel):
    """What funds keeps of a member ``household.registered`` lists (``domain.readmodel.apply_listed_member``)."""

    member_id: uuid.UUID
    health: str
    schooling_stage: str | None = None
    schooling_status: str | None = None
    boarding: bool = False
    medical_insurance: bool


class RegisteredHousehold(HouseholdEvent):
    """What funds reads of ``household.registered``: the household's facts its read model keeps and its members'
    (``domain.readmodel.apply_registered``). The registry's model validates every field of the household and of each
    listed member; parsing it was a tenth of funds' loop digesting a bulk import (issue 18, docs/scaling.md)."""

    poverty_status: str
    dibao: bool = False
    tekun: bool = False
    housing_grade: str | None = None
    main_cause: str | None = None
    monitoring_category: str | None = None
    helper_user_ids: list[str] = []
    members: list[ListedFacts] = []


_registration = registry_events.catalog.entry("household.registered")

#: what the read model follows (domain/readmodel.py, handlers.py), by short name → full ce type
CONSUMED_TYPES = {
    "household.registered": catalog.consumes(_registration.topic, _registration.type, RegisteredHousehold),
    **catalog.follows(registry_events.catalog, (
        "household.updated", "household.status_changed", "member.added", "member.removed",
        "member.health_changed", "member.schooling_changed", "household.housing_assessed",
        "member.insurance_changed", "household.helper_assigned", "household.measure_given")),
    **catalog.follows(monitoring_events.catalog,
                      ("case.confirmed", "case.risk_eliminated", "case.reopened", "case.assistance_planned")),
}
