"""read model: the facts of the five items (致贫原因, 帮扶责任人, 帮扶措施) on households

Revision ID: 2b7f9c4d1e85
Revises: c93e5a1f7b20
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '2b7f9c4d1e85'
down_revision = 'c93e5a1f7b20'
branch_labels = None
depends_on = None

LISTS = ("helper_ids", "helper_user_ids", "measure_types")


def upgrade() -> None:
    op.add_column("households", sa.Column("main_cause", sa.String(), nullable=True))
    for column in LISTS:
        op.add_column("households", sa.Column(column, postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                                              server_default=sa.text("'[]'::jsonb")))


def downgrade() -> None:
    for column in LISTS:
        op.drop_column("households", column)
    op.drop_column("households", "main_cause")
