"""a key visit recorded offline keeps when it happened (occurred_at)

Revision ID: a3e8c5f1d726
Revises: e5c1a7f3b902
"""
import sqlalchemy as sa
from alembic import op

revision = 'a3e8c5f1d726'
down_revision = 'e5c1a7f3b902'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("key_visits", sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("key_visits", "occurred_at")
