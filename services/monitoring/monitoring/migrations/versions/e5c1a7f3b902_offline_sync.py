"""offline sync: cases, plans' measures, visits and campaign problems carry the transaction that last wrote
them (tombstones for a case or problem deleted or moved); a visit keeps when it happened (occurred_at)

Revision ID: e5c1a7f3b902
Revises: b2e7d4c9a615
"""
import sqlalchemy as sa
from alembic import op

from backstop_common.sync_schema import create_sync_tables, drop_sync_tables, track_changes, untrack_changes

revision = 'e5c1a7f3b902'
down_revision = 'b2e7d4c9a615'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_sync_tables()
    track_changes("cases", leading=("village_code",), tombstones=("cases", "village_code"))
    track_changes("campaign_problems", leading=("village_code",), tombstones=("problems", "village_code"))
    track_changes("measures")
    track_changes("visits")
    op.add_column("visits", sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("visits", "occurred_at")
    for table in ("visits", "measures", "campaign_problems", "cases"):
        untrack_changes(table)
    drop_sync_tables()
