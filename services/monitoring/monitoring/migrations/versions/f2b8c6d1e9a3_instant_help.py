"""instant help (即时帮扶, seed 004): when a case first got measures before confirmation

Revision ID: f2b8c6d1e9a3
Revises: e7a3b9d2c4f1
Create Date: 2026-12-01 16:50:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'f2b8c6d1e9a3'
down_revision = 'e7a3b9d2c4f1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('cases', sa.Column('instant_help_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('cases', 'instant_help_at')
