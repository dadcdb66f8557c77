"""public notices (公告公示) of allocation results and project arrangements, backfilled for what exists

Revision ID: c93e5a1f7b20
Revises: 8d41f6a2c3e7
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'c93e5a1f7b20'
down_revision = '8d41f6a2c3e7'
branch_labels = None
depends_on = None

BACKFILL_ALLOCATIONS = """
INSERT INTO public_notices (id, kind, subject_id, area_code, year, title, content, published_at)
SELECT gen_random_uuid(), 'allocation', a.id, a.area_code, a.year, a.year || '年资金分配结果：' || a.purpose,
       jsonb_build_object('source', a.source, 'purpose', a.purpose, 'amount', a.amount::text,
                          'document_no', a.document_no, 'allocated_on', (a.created_at::date)::text),
       a.created_at
FROM allocations a
"""
BACKFILL_PROJECTS = """
INSERT INTO public_notices (id, kind, subject_id, area_code, year, title, content, published_at, notice_ends_at)
SELECT gen_random_uuid(), 'project_arrangement', p.id, p.area_code, p.year, p.year || '年项目安排公示：' || p.name,
       jsonb_build_object('name', p.name, 'project_type', p.project_type, 'budget', p.budget::text,
                          'stage', p.stage, 'deadline', p.deadline::text, 'notice_days', p.notice_days),
       p.notice_ends_at - make_interval(days => coalesce(p.notice_days, 0)), p.notice_ends_at
FROM projects p WHERE p.notice_ends_at IS NOT NULL
"""


def upgrade() -> None:
    op.create_table(
        "public_notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("notice_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('allocation', 'project_arrangement')", name="public_notice_kind"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_public_notices_area_code", "public_notices", ["area_code"])
    op.create_index("ix_public_notices_subject", "public_notices", ["kind", "subject_id", "published_at"],
                    unique=True)
    op.execute(BACKFILL_ALLOCATIONS)
    op.execute(BACKFILL_PROJECTS)


def downgrade() -> None:
    op.drop_table("public_notices")
