"""a province's re-screen by county: one pending row per county, deleted by the county's own commit

A line set above a county (a province's or a city's row) re-screens each county in a transaction of its own
(``domain/rescreen.py``, ``jobs.rescreen_counties``). The PUT commits the policy row with a row here per
county of its scope; each county's transaction takes its row (``FOR UPDATE SKIP LOCKED``: one writer a
county) and deletes it with its signals, cases and outbox rows, so a crash leaves exactly the counties not
done, which the recovery job finishes.

Revision ID: b4d9e2f7a1c3
Revises: d5f1c2a9b7e4
"""
from alembic import op

revision = 'b4d9e2f7a1c3'
down_revision = 'd5f1c2a9b7e4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE rescreen_pending (
  year int NOT NULL, scope text NOT NULL, county_code text NOT NULL, since timestamptz NOT NULL,
  PRIMARY KEY (year, scope, county_code)
)""")


def downgrade() -> None:
    op.execute("DROP TABLE rescreen_pending")
