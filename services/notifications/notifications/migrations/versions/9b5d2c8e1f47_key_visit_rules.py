"""key households visited without a case (seed 004): the key_visit.overdue rule

Revision ID: 9b5d2c8e1f47
Revises: 8e4f1a2b3c75
Create Date: 2026-12-01 16:40:00
"""

from notifications.domain.default_rules import KEY_VISIT_RULES
from notifications.migrations.rule_rows import add_rules, drop_rules

revision = '9b5d2c8e1f47'
down_revision = '8e4f1a2b3c75'
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_rules(KEY_VISIT_RULES)


def downgrade() -> None:
    drop_rules(KEY_VISIT_RULES)
