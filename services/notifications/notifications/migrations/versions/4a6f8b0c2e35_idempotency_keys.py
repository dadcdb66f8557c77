"""idempotency keys: the first answer to a POST sent with Idempotency-Key (issue 14, backstop_common.idempotency)

Revision ID: 4a6f8b0c2e35
Revises: 97c44dcb44c1
Create Date: 2026-12-01 16:55:00
"""
from backstop_common.migrations import create_idempotency_table, drop_idempotency_table

revision = '4a6f8b0c2e35'
down_revision = '97c44dcb44c1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table()


def downgrade() -> None:
    drop_idempotency_table()
