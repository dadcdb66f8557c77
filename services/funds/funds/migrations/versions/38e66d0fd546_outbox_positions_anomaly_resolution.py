"""outbox positions anomaly resolution: where the broker put each event until every consumer has read it

Revision ID: 38e66d0fd546
Revises: 6a0d3b8e2f14
Create Date: 2026-12-01 16:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '38e66d0fd546'
down_revision = '6a0d3b8e2f14'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("partition", sa.Integer(), nullable=True))
    op.add_column("outbox", sa.Column("offset", sa.BigInteger(), nullable=True))
    op.create_index("ix_outbox_unconfirmed", "outbox", ["topic", "partition", "offset"],
                    postgresql_where=sa.text('"offset" IS NOT NULL'))
    op.create_table("outbox_marks",
                    sa.Column("topic", sa.String(), nullable=False),
                    sa.Column("partition", sa.Integer(), nullable=False),
                    sa.Column("mark", sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint("topic", "partition"))

    # an unknown_beneficiary anomaly is closed when the registry's event arrives (docs/funds.md)
    op.add_column("anomalies", sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("anomalies", sa.Column("resolution", sa.Text(), nullable=True))
    op.add_column("anomalies", sa.Column("resolved_by_event", sa.Uuid(), nullable=True))
    op.create_index("ix_anomalies_open_unknown", "anomalies", ["household_id"],
                    postgresql_where=sa.text("resolved_at IS NULL AND kind = 'unknown_beneficiary'"))


def downgrade() -> None:
    op.drop_index("ix_anomalies_open_unknown", table_name="anomalies")
    op.drop_column("anomalies", "resolved_by_event")
    op.drop_column("anomalies", "resolution")
    op.drop_column("anomalies", "resolved_at")

    op.drop_table("outbox_marks")
    op.drop_index("ix_outbox_unconfirmed", table_name="outbox")
    op.drop_column("outbox", "offset")
    op.drop_column("outbox", "partition")
