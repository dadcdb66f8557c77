"""Monitoring tables, one module per aggregate; importing this package registers them all."""

from backstop_common.messaging_models import InboxEntry, OutboxMark, OutboxMessage  # noqa: F401  (same metadata)
from monitoring.models.cases import Case, CaseStep, DeadlineMiss, Measure, Visit
from monitoring.models.counts import AreaCount
from monitoring.models.dibao import DibaoPhaseout, DibaoRecommendation
from monitoring.models.households import HouseholdFacts, KeyVisit, KeyVisitMiss, MemberFacts
from monitoring.models.policies import Policy
from monitoring.models.signals import ClusterAlert, Signal

__all__ = ["AreaCount", "Case", "CaseStep", "ClusterAlert", "DeadlineMiss", "DibaoPhaseout", "DibaoRecommendation", "KeyVisit", "KeyVisitMiss", "HouseholdFacts", "Measure", "MemberFacts",
           "Policy", "Signal", "Visit"]
