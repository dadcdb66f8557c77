"""the dashboard's live counts read from indexes by village: open cases' next deadline, cases helped at once

The overdue and 即时帮扶 counts of ``GET /stats`` (``repository/stats.py``) read every case of the area from the
table (the village index gave the rows, the heap their stage and dates): with 2,000,000 households in ten
counties that was most of the dashboard's time (bench/province.py, bench/RESULTS.md). With the village first
and the date in the index they are index-only scans of the area's part.

Revision ID: d5f1c2a9b7e4
Revises: a3e8c5f1d726
"""
from alembic import op

revision = 'd5f1c2a9b7e4'
down_revision = 'a3e8c5f1d726'
branch_labels = None
depends_on = None

OPEN = "stage NOT IN ('rejected', 'eliminated')"


def upgrade() -> None:
    op.execute(f"CREATE INDEX ix_cases_village_next_due_open ON cases (village_code text_pattern_ops, next_due_at)"
               f" WHERE {OPEN}")
    op.execute("CREATE INDEX ix_cases_village_instant_help ON cases (village_code text_pattern_ops)"
               " WHERE instant_help_at IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX ix_cases_village_instant_help")
    op.execute("DROP INDEX ix_cases_village_next_due_open")
