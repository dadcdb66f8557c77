"""offline sync: inbox messages carry the transaction that last wrote them (tombstones if one is deleted)

Revision ID: f3a9d1c7b5e2
Revises: 4c8e2a6f9d13
"""
from backstop_common.sync_schema import create_sync_tables, drop_sync_tables, track_changes, untrack_changes

revision = 'f3a9d1c7b5e2'
down_revision = '4c8e2a6f9d13'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_sync_tables()
    track_changes("messages", leading=("recipient_id",), tombstones=("inbox", "recipient_id"))


def downgrade() -> None:
    untrack_changes("messages")
    drop_sync_tables()
