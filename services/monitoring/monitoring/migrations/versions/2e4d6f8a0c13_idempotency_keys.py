"""idempotency keys: the first answer to a POST sent with Idempotency-Key (issue 14, backstop_common.idempotency)

Revision ID: 2e4d6f8a0c13
Revises: 2600498a80a2
Create Date: 2026-12-01 16:55:00
"""
from backstop_common.migrations import create_idempotency_table, drop_idempotency_table

revision = '2e4d6f8a0c13'
down_revision = '2600498a80a2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table()


def downgrade() -> None:
    drop_idempotency_table()
