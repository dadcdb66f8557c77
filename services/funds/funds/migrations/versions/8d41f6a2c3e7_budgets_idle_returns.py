"""idle allocations (policy idle_days, anomaly idle_allocation) and money returned (退回)

Revision ID: 8d41f6a2c3e7
Revises: 5e2c0b7d9a41
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '8d41f6a2c3e7'
down_revision = '5e2c0b7d9a41'
branch_labels = None
depends_on = None

KINDS = ("'unknown_beneficiary', 'deceased_beneficiary', 'duplicate_payment', 'over_allocation', "
         "'unspent_past_deadline', 'stage_overdue'")


def upgrade() -> None:
    op.add_column("project_policies", sa.Column("idle_days", sa.Integer(), nullable=False, server_default="90"))
    op.drop_constraint("anomaly_kind", "anomalies", type_="check")
    op.create_check_constraint("anomaly_kind", "anomalies", f"kind IN ({KINDS}, 'idle_allocation')")
    op.create_table(
        "money_returns",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("allocation_id", sa.Uuid(), nullable=False),
        sa.Column("disbursement_id", sa.Uuid(), nullable=True),
        sa.Column("subsidy_id", sa.Uuid(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("household_id", sa.Uuid(), nullable=True),
        sa.Column("area_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("returned_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("amount > 0", name="return_amount_positive"),
        sa.CheckConstraint("(disbursement_id IS NULL) <> (subsidy_id IS NULL)", name="return_of_one_payment"),
        sa.ForeignKeyConstraint(["allocation_id"], ["allocations.id"]),
        sa.ForeignKeyConstraint(["disbursement_id"], ["disbursements.id"]),
        sa.ForeignKeyConstraint(["subsidy_id"], ["subsidies.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("allocation_id", "disbursement_id", "subsidy_id", "area_code"):
        op.create_index(f"ix_money_returns_{column}", "money_returns", [column])


def downgrade() -> None:
    op.drop_table("money_returns")
    op.execute(sa.text("DELETE FROM anomalies WHERE kind = 'idle_allocation'"))
    op.drop_constraint("anomaly_kind", "anomalies", type_="check")
    op.create_check_constraint("anomaly_kind", "anomalies", f"kind IN ({KINDS})")
    op.drop_column("project_policies", "idle_days")
