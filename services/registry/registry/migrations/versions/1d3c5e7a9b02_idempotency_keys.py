"""idempotency keys: the first answer to a POST sent with Idempotency-Key (issue 14, backstop_common.idempotency)

Revision ID: 1d3c5e7a9b02
Revises: 5bc8db7d71b2
Create Date: 2026-12-01 16:55:00
"""
from backstop_common.migrations import create_idempotency_table, drop_idempotency_table

revision = '1d3c5e7a9b02'
down_revision = '5bc8db7d71b2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table()


def downgrade() -> None:
    drop_idempotency_table()
