"""the directory's stamp: a counter bumped by every write to recipients, routing rules or webhook subscriptions

Routing keeps what it read of these tables across consumer transactions while the stamp stays the same (one
read a transaction instead of the rules', the offices' and the subscriptions' own). A subscription's sending
state (failures, last success, paused) is not what routing reads: writing only those leaves the stamp.

Revision ID: 6d3b8f2a9c41
Revises: f3a9d1c7b5e2
"""
from alembic import op

revision = '6d3b8f2a9c41'
down_revision = 'f3a9d1c7b5e2'
branch_labels = None
depends_on = None

#: the tables routing keeps, and the writes to each that change what it reads
WATCHED = {
    "recipients": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
    "routing_rules": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
    "webhook_subscriptions": "INSERT OR UPDATE OF event_types, area_prefix OR DELETE OR TRUNCATE",
}


def upgrade() -> None:
    op.execute("CREATE TABLE directory_stamp (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), "
               "stamp bigint NOT NULL)")
    op.execute("INSERT INTO directory_stamp (stamp) VALUES (0)")
    op.execute("""CREATE FUNCTION bump_directory_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE directory_stamp SET stamp = stamp + 1;
  RETURN NULL;
END $$""")
    for table, writes in WATCHED.items():
        op.execute(f"CREATE TRIGGER bump_directory_stamp AFTER {writes} ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION bump_directory_stamp()")


def downgrade() -> None:
    for table in WATCHED:
        op.execute(f"DROP TRIGGER bump_directory_stamp ON {table}")
    op.execute("DROP FUNCTION bump_directory_stamp()")
    op.execute("DROP TABLE directory_stamp")
