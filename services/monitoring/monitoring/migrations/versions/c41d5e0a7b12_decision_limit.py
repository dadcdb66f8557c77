"""the 15-day decision limit (indexed while identifying, part of next_due_at); the elimination notice; 两不愁 in the read model

Revision ID: c41d5e0a7b12
Revises: 8654302c70e7
Create Date: 2026-12-01 16:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'c41d5e0a7b12'
down_revision = '8654302c70e7'
branch_labels = None
depends_on = None

IDENTIFYING = "stage IN ('opened', 'verified', 'notice_posted', 'reviewed')"


def upgrade() -> None:
    op.add_column('cases', sa.Column('elimination_notice_ends_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('household_facts', sa.Column('food_secure', sa.Boolean(), nullable=True))
    op.add_column('household_facts', sa.Column('clothing_secure', sa.Boolean(), nullable=True))
    op.create_index('ix_cases_decision_due_identifying', 'cases', ['decision_due_at'], unique=False,
                    postgresql_where=sa.text(IDENTIFYING))
    # cases opened before the sweeper watched the limit: their overdue index learns of it now
    op.execute(f"UPDATE cases SET next_due_at = LEAST(next_due_at, decision_due_at) "
               f"WHERE {IDENTIFYING} AND decision_due_at IS NOT NULL")


def downgrade() -> None:
    op.drop_column('household_facts', 'clothing_secure')
    op.drop_column('household_facts', 'food_secure')
    op.drop_column('cases', 'elimination_notice_ends_at')
    op.drop_index('ix_cases_decision_due_identifying', table_name='cases',
                  postgresql_where=sa.text(IDENTIFYING))
