"""seed gaps (issue 16): routing rules for the new monitoring events

Revision ID: 7d2e9a4c1b60
Revises: 5b1e0c2f7a31
Create Date: 2026-12-01 16:40:00
"""

from notifications.domain.default_rules import SEED_GAP_RULES
from notifications.migrations.rule_rows import add_rules, drop_rules

revision = '7d2e9a4c1b60'
down_revision = '5b1e0c2f7a31'
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_rules(SEED_GAP_RULES)


def downgrade() -> None:
    drop_rules(SEED_GAP_RULES)
