"""outbox held by round: what consumer groups have not read, a row a round and partition instead of on each event

Marking an event sent, and forgetting its offset once read, were each a new version of the outbox row and an entry
in every one of its indexes (backstop_common.migrations.hold_outbox_by_round).

Revision ID: 9514ac816a92
Revises: 6d3b8f2a9c41
Create Date: 2026-12-04 03:00:00
"""
from backstop_common.migrations import hold_outbox_by_round, hold_outbox_by_row

revision = '9514ac816a92'
down_revision = '6d3b8f2a9c41'
branch_labels = None
depends_on = None


def upgrade() -> None:
    hold_outbox_by_round()


def downgrade() -> None:
    hold_outbox_by_row()
