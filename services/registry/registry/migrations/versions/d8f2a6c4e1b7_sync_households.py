"""offline sync: households carry the transaction that last wrote them; tombstones for those leaving a village

Revision ID: d8f2a6c4e1b7
Revises: c5d8e1a4f926
"""
from backstop_common.sync_schema import create_sync_tables, drop_sync_tables, track_changes, untrack_changes

revision = 'd8f2a6c4e1b7'
down_revision = 'c5d8e1a4f926'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_sync_tables()
    track_changes("households", leading=("village_code",), tombstones=("households", "village_code"))


def downgrade() -> None:
    untrack_changes("households")
    drop_sync_tables()
