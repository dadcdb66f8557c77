"""project types 易地搬迁 (relocation) and 生态补偿 (ecological_compensation)

Revision ID: 6a0d3b8e2f14
Revises: 2b7f9c4d1e85
"""
from alembic import op

revision = '6a0d3b8e2f14'
down_revision = '2b7f9c4d1e85'
branch_labels = None
depends_on = None

BEFORE = ("'industry', 'employment_workshop', 'road', 'water', 'power', 'network', 'housing_renovation', "
          "'education', 'health'")


def upgrade() -> None:
    op.drop_constraint("project_type", "projects", type_="check")
    op.create_check_constraint("project_type", "projects",
                               f"project_type IN ({BEFORE}, 'relocation', 'ecological_compensation', 'other')")


def downgrade() -> None:
    op.drop_constraint("project_type", "projects", type_="check")
    op.create_check_constraint("project_type", "projects", f"project_type IN ({BEFORE}, 'other')")
