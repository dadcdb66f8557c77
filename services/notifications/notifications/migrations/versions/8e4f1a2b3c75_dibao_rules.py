"""低保 follow-up (seed 000): routing rules for the dibao events

Revision ID: 8e4f1a2b3c75
Revises: 7d2e9a4c1b60
Create Date: 2026-12-01 16:40:00
"""

from notifications.domain.default_rules import DIBAO_RULES
from notifications.migrations.rule_rows import add_rules, drop_rules

revision = '8e4f1a2b3c75'
down_revision = '7d2e9a4c1b60'
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_rules(DIBAO_RULES)


def downgrade() -> None:
    drop_rules(DIBAO_RULES)
