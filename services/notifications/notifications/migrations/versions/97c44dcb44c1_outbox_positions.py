"""outbox positions: where the broker put each event until every consumer has read it

Revision ID: 97c44dcb44c1
Revises: 9b5d2c8e1f47
Create Date: 2026-12-01 16:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '97c44dcb44c1'
down_revision = '9b5d2c8e1f47'
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


def downgrade() -> None:
    op.drop_table("outbox_marks")
    op.drop_index("ix_outbox_unconfirmed", table_name="outbox")
    op.drop_column("outbox", "offset")
    op.drop_column("outbox", "partition")
