"""households: two indexes nothing reads, which every write of a household paid for

The household's row is never updated in place (HOT): the offline sync's ``changed_xid`` is indexed and changes on
every write, so each write — an income assessment at 500 a second (issue 18), a member change, an import's row —
adds an entry to every index of the table. ``ix_households_village_code`` is a prefix of
``ix_households_village_status`` and ``ix_households_sync``, which serve every query by village;
``ix_households_import_id`` has no reader (an import is found by ``import_runs``, its households by their village).
PostgreSQL's CPU a hot income write, sequentially on one connection: −11 to −17 % (bench/RESULTS.md, session 20).

Revision ID: e4a9c2b7d315
Revises: d2f7a61c9e34
"""
from alembic import op

revision = 'e4a9c2b7d315'
down_revision = 'd2f7a61c9e34'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_households_village_code', table_name='households')
    op.drop_index('ix_households_import_id', table_name='households')


def downgrade() -> None:
    op.create_index('ix_households_import_id', 'households', ['import_id'], unique=False)
    op.create_index('ix_households_village_code', 'households', ['village_code'], unique=False)
