"""Registry tables (建档立卡): areas, households, members, their records, and the audit trail."""

from backstop_common.messaging_models import InboxEntry, OutboxMark, OutboxMessage  # noqa: F401  (same metadata)
from registry.models.areas import Area
from registry.models.audit import AccessLogEntry, ChangeRecord, ImportRun
from registry.models.households import Household
from registry.models.members import Member
from registry.models.records import (
    Disaster, Helper, HousingAssessment, IncomeAssessment, Measure, WaterAssessment,
)

__all__ = ["AccessLogEntry", "Area", "ChangeRecord", "Disaster", "Helper", "Household", "HousingAssessment",
           "ImportRun", "IncomeAssessment", "Measure", "Member", "WaterAssessment"]
