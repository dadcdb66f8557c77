"""key households visited without a case (seed 004): severe disability count, first seen, visits, misses

Revision ID: a9c4e2f7b813
Revises: f2b8c6d1e9a3
Create Date: 2026-12-01 17:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = 'a9c4e2f7b813'
down_revision = 'f2b8c6d1e9a3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('household_facts', sa.Column('severe_disabled_members', sa.Integer(), nullable=False,
                                               server_default='0'))
    op.add_column('household_facts', sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=True))
    # households known before: their quarter counts from the upgrade
    op.execute("UPDATE household_facts SET first_seen_at = now()")
    op.create_table('key_visits',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('household_id', sa.Uuid(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('visitor_user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('findings', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_key_visits_household_id'), 'key_visits', ['household_id'], unique=False)
    op.create_table('key_visit_misses',
    sa.Column('household_id', sa.Uuid(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('household_id', 'due_at')
    )


def downgrade() -> None:
    op.drop_table('key_visit_misses')
    op.drop_index(op.f('ix_key_visits_household_id'), table_name='key_visits')
    op.drop_table('key_visits')
    op.drop_column('household_facts', 'first_seen_at')
    op.drop_column('household_facts', 'severe_disabled_members')
