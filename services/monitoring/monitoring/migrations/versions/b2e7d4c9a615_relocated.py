"""易地搬迁户 (seed 002) and the assistance given, in the household read model

Revision ID: b2e7d4c9a615
Revises: 2e4d6f8a0c13
Create Date: 2026-12-01 17:10:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'b2e7d4c9a615'
down_revision = '2e4d6f8a0c13'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('household_facts', sa.Column('relocated', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('household_facts', sa.Column('measures_given', postgresql.JSONB(astext_type=sa.Text()),
                                               nullable=False, server_default=sa.text("'[]'::jsonb")))


def downgrade() -> None:
    op.drop_column('household_facts', 'measures_given')
    op.drop_column('household_facts', 'relocated')
