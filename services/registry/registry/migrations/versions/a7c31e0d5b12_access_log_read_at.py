"""access log: index on read_at (time filters of GET /access-log, the retention purge)

Revision ID: a7c31e0d5b12
Revises: ef6c8f2c5c5c
"""
from alembic import op

revision = 'a7c31e0d5b12'
down_revision = 'ef6c8f2c5c5c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_access_log_read_at', 'access_log', ['read_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_access_log_read_at', table_name='access_log')
