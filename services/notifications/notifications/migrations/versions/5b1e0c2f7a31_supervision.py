"""supervision: routing rules for monitoring.supervision, and the direct SMS references

Revision ID: 5b1e0c2f7a31
Revises: 93f60acd30ea
Create Date: 2026-12-01 16:20:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

from notifications.domain.default_rules import SUPERVISION_RULES
from notifications.migrations.rule_rows import add_rules, drop_rules

revision = '5b1e0c2f7a31'
down_revision = '93f60acd30ea'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('direct_sms',
    sa.Column('ref', sa.Uuid(), nullable=False),
    sa.Column('template', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('ref')
    )
    add_rules(SUPERVISION_RULES)


def downgrade() -> None:
    drop_rules(SUPERVISION_RULES)
    op.drop_table('direct_sms')
