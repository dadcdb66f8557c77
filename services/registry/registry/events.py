"""What the registry publishes and consumes (docs/events.md). The payload models live in
``backstop_events.registry`` (shared with the consumers); they are re-exported here for the domain."""

from backstop_common.asyncapi import EventCatalog
from backstop_events import monitoring as monitoring_events
from backstop_events import registry as contract
from backstop_events.registry import (EVENTS, Amount, DisasterReported, HelperAssigned, HouseholdEvent,
                                      HouseholdIncomeAssessed, HouseholdRegistered, HouseholdStatusChanged,
                                      HouseholdUpdated, HousingAssessed, ListedMember, MeasureGiven, MemberAdded,
                                      MemberEmploymentChanged, MemberHealthChanged, MemberInsuranceChanged,
                                      MemberPensionChanged, MemberRemoved, MemberSchoolingChanged, PersonFacts,
                                      WaterAssessed)

__all__ = ["EVENTS", "Amount", "DisasterReported", "HelperAssigned", "HouseholdEvent", "HouseholdIncomeAssessed",
           "HouseholdRegistered", "HouseholdStatusChanged", "HouseholdUpdated", "HousingAssessed", "ListedMember",
           "MeasureGiven", "MemberAdded", "MemberEmploymentChanged", "MemberHealthChanged",
           "MemberInsuranceChanged", "MemberPensionChanged", "MemberRemoved", "MemberSchoolingChanged", "PersonFacts",
           "WaterAssessed"]

catalog = EventCatalog.serving(contract.catalog)
HOUSEHOLD_REGISTERED = "household.registered"

#: monitoring's decisions the household file follows (domain/monitoring_status.py)
CONSUMED_CASE_TYPES = catalog.follows(monitoring_events.catalog,
                                      ("case.confirmed", "case.risk_eliminated", "case.reopened"))
