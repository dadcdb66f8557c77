"""易地搬迁户 (seed 002): the relocation flag on the household

Revision ID: c5d8e1a4f926
Revises: 1d3c5e7a9b02
Create Date: 2026-12-01 17:10:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'c5d8e1a4f926'
down_revision = '1d3c5e7a9b02'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('households', sa.Column('relocated', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column('households', 'relocated')
