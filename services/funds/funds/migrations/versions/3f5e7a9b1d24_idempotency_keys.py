"""idempotency keys: the first answer to a POST sent with Idempotency-Key (issue 14, backstop_common.idempotency)

Revision ID: 3f5e7a9b1d24
Revises: 38e66d0fd546
Create Date: 2026-12-01 16:55:00
"""
from backstop_common.migrations import create_idempotency_table, drop_idempotency_table

revision = '3f5e7a9b1d24'
down_revision = '38e66d0fd546'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table()


def downgrade() -> None:
    drop_idempotency_table()
