"""outbox held by round: what consumer groups have not read, a row a round and partition instead of on each event

Marking an event sent, and forgetting its offset once read, were each a new version of the outbox row and an entry
in every one of its indexes (backstop_common.migrations.hold_outbox_by_round).

Revision ID: ca1d52dd8e9e
Revises: e4a9c2b7d315
Create Date: 2026-12-04 03:00:00
"""
from backstop_common.migrations import hold_outbox_by_round, hold_outbox_by_row

revision = 'ca1d52dd8e9e'
down_revision = 'e4a9c2b7d315'
branch_labels = None
depends_on = None


def upgrade() -> None:
    hold_outbox_by_round()


def downgrade() -> None:
    hold_outbox_by_row()
