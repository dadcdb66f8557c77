"""低保 line and phase-out in the policy (seed 000), recommendations and phase-outs

Revision ID: e7a3b9d2c4f1
Revises: c41d5e0a7b12
Create Date: 2026-12-01 16:45:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

revision = 'e7a3b9d2c4f1'
down_revision = 'c41d5e0a7b12'
branch_labels = None
depends_on = None


COLUMNS = ("year, area_code, scope, income_line, income_drop_share, medical_oop_threshold, "
           "medical_oop_income_share, disaster_loss_threshold, verify_days, post_notice_days, notice_days, "
           "review_days, confirm_days, decision_days, plan_days, visit_interval_days, stable_months, "
           "cluster_threshold, cluster_window_days, cluster_min_households")


def upgrade() -> None:
    op.add_column('policies', sa.Column('dibao_line', sa.Numeric(14, 2), nullable=True))
    op.add_column('policies', sa.Column('dibao_phaseout_months', sa.Integer(), nullable=False,
                                        server_default='12'))
    # seed 000 (清河区, 2020): 对于今年收入难以达到4400元的贫困户全部纳入低保范围 … 不超过12个月低保渐退.
    # The county's 2020 row: its other values as its 2021 row (the 2020 监测 range was already 1.5 × the
    # poverty line, 6,000); later years take whatever 低保 line the county enters for them.
    op.execute(f"""
        INSERT INTO policies ({COLUMNS}, version, updated_by, updated_at, dibao_line, dibao_phaseout_months)
        SELECT {COLUMNS.replace('year,', '2020,', 1)}, 1, 'seed 000', now(), 4400.00, 12
          FROM policies WHERE year = 2021 AND area_code = '211204000000'
        ON CONFLICT DO NOTHING""")
    op.create_table('dibao_recommendations',
    sa.Column('household_id', sa.Uuid(), nullable=False),
    sa.Column('fact_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recommended_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('household_id', 'fact_key')
    )
    op.create_table('dibao_phaseouts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('household_id', sa.Uuid(), nullable=False),
    sa.Column('village_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_dibao_phaseouts_household_id'), 'dibao_phaseouts', ['household_id'], unique=False)
    # one running phase-out per household; the sweeper reads the running ones by their end
    op.create_index('uq_dibao_phaseouts_running', 'dibao_phaseouts', ['household_id'], unique=True,
                    postgresql_where=sa.text('closed_at IS NULL'))
    op.create_index('ix_dibao_phaseouts_running_ends', 'dibao_phaseouts', ['ends_at'], unique=False,
                    postgresql_where=sa.text('closed_at IS NULL'))


def downgrade() -> None:
    op.drop_table('dibao_phaseouts')
    op.drop_table('dibao_recommendations')
    op.execute("DELETE FROM policies WHERE year = 2020 AND area_code = '211204000000' AND updated_by = 'seed 000'")
    op.drop_column('policies', 'dibao_phaseout_months')
    op.drop_column('policies', 'dibao_line')
