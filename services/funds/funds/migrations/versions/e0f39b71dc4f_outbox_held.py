"""outbox held by round: what consumer groups have not read, a row a round and partition instead of on each event

Marking an event sent, and forgetting its offset once read, were each a new version of the outbox row and an entry
in every one of its indexes (backstop_common.migrations.hold_outbox_by_round).

Revision ID: e0f39b71dc4f
Revises: 3f5e7a9b1d24
Create Date: 2026-12-04 03:00:00
"""
from backstop_common.migrations import hold_outbox_by_round, hold_outbox_by_row

revision = 'e0f39b71dc4f'
down_revision = '3f5e7a9b1d24'
branch_labels = None
depends_on = None


def upgrade() -> None:
    hold_outbox_by_round()


def downgrade() -> None:
    hold_outbox_by_row()
