"""households: the national system's risk elimination (风险是否消除, 风险识别时间, 风险消除时间)

Revision ID: b3e91f4a7c20
Revises: a7c31e0d5b12
"""
import sqlalchemy as sa
from alembic import op

revision = 'b3e91f4a7c20'
down_revision = 'a7c31e0d5b12'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('households', sa.Column('risk_eliminated', sa.Boolean(), nullable=False,
                                          server_default=sa.false()))
    op.add_column('households', sa.Column('risk_identified_on', sa.Date(), nullable=True))
    op.add_column('households', sa.Column('risk_eliminated_on', sa.Date(), nullable=True))


def downgrade() -> None:
    for column in ('risk_eliminated_on', 'risk_identified_on', 'risk_eliminated'):
        op.drop_column('households', column)
