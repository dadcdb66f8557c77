"""基本养老保险 on the member (seed 004: 社会保险 shared, 城乡居民基本养老保险): status and monthly pension

Revision ID: d2f7a61c9e34
Revises: d8f2a6c4e1b7
Create Date: 2026-12-01 18:50:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'd2f7a61c9e34'
down_revision = 'd8f2a6c4e1b7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('members', sa.Column('pension', sa.String(), nullable=False, server_default='none'))
    op.add_column('members', sa.Column('pension_monthly', sa.Numeric(14, 2), nullable=True))


def downgrade() -> None:
    op.drop_column('members', 'pension_monthly')
    op.drop_column('members', 'pension')
