"""a finance anomaly closed by a late registry event: the finance.anomaly_resolved rule

Revision ID: 4c8e2a6f9d13
Revises: 4a6f8b0c2e35
Create Date: 2026-12-01 17:10:00
"""

from notifications.domain.default_rules import ANOMALY_RESOLVED_RULES
from notifications.migrations.rule_rows import add_rules, drop_rules

revision = '4c8e2a6f9d13'
down_revision = '4a6f8b0c2e35'
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_rules(ANOMALY_RESOLVED_RULES)


def downgrade() -> None:
    drop_rules(ANOMALY_RESOLVED_RULES)
