"""Funds tables (one metadata, so alembic sees them all)."""

from backstop_common.messaging_models import InboxEntry, OutboxMark, OutboxMessage  # noqa: F401  (same metadata)
from funds.models.anomalies import Anomaly, Suggestion  # noqa: F401
from funds.models.ledger import Allocation, Disbursement, MoneyReturn, ProjectFunding, Subsidy  # noqa: F401
from funds.models.notices import PublicNotice  # noqa: F401
from funds.models.policy import ProjectPolicy, SubsidyStandard  # noqa: F401
from funds.models.projects import Asset, Beneficiary, Dividend, Project, StageChange  # noqa: F401
from funds.models.readmodel import HouseholdFact, MemberFact  # noqa: F401
