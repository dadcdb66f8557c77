"""open cases counted per county and day of their next deadline, kept by statement triggers on cases

A province's ``GET /stats`` counted its overdue cases from every open case's entry of the village-led index
(``d5f1c2a9b7e4``): ~208,000 entries and 145 ms of PostgreSQL a request at 2,000,000 households
(bench/RESULTS.md, session 7). Overdue depends on the time of asking, so no counter can hold it; but a day's
count can: ``due_counts`` holds the open cases per county and UTC day of ``next_due_at``, kept by statement-level
triggers reading the transition tables (as ``area_counts``: ORM writes and set-based SQL count alike). The
overdue count of an area above a county is then the days before today added up (a few hundred rows whatever the
province holds) and today's part counted live from the deadline index (``repository/stats.py``).

Revision ID: c8e2f4a6d913
Revises: b4d9e2f7a1c3
"""
from alembic import op

revision = 'c8e2f4a6d913'
down_revision = 'b4d9e2f7a1c3'
branch_labels = None
depends_on = None

OPEN = "stage NOT IN ('rejected', 'eliminated') AND next_due_at IS NOT NULL"


def _rows(table: str, d: int) -> str:
    return (f"SELECT left(village_code, 6) AS county_code, (next_due_at AT TIME ZONE 'UTC')::date AS day, {d} AS d"
            f" FROM {table} WHERE {OPEN}")


def _upsert(*parts: str) -> str:
    """The rows' +1 / -1 added up per county and day, upserted in key order (two statements wait, never
    deadlock)."""
    return (f"INSERT INTO due_counts AS a (county_code, day, n) SELECT county_code, day, sum(d) FROM "
            f"({' UNION ALL '.join(parts)}) c GROUP BY 1, 2 HAVING sum(d) <> 0 ORDER BY 1, 2 "
            f"ON CONFLICT (county_code, day) DO UPDATE SET n = a.n + EXCLUDED.n;")


def upgrade() -> None:
    op.execute("CREATE TABLE due_counts (county_code text NOT NULL, day date NOT NULL, n bigint NOT NULL,"
               " PRIMARY KEY (county_code, day))")
    op.execute(f"""CREATE FUNCTION count_due() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN
IF TG_OP = 'INSERT' THEN {_upsert(_rows('new_rows', 1))}
ELSIF TG_OP = 'DELETE' THEN {_upsert(_rows('old_rows', -1))}
ELSE {_upsert(_rows('new_rows', 1), _rows('old_rows', -1))}
END IF; RETURN NULL; END $f$""")
    op.execute("CREATE TRIGGER cases_due_insert AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows"
               " FOR EACH STATEMENT EXECUTE FUNCTION count_due()")
    op.execute("CREATE TRIGGER cases_due_update AFTER UPDATE ON cases REFERENCING OLD TABLE AS old_rows"
               " NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_due()")
    op.execute("CREATE TRIGGER cases_due_delete AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows"
               " FOR EACH STATEMENT EXECUTE FUNCTION count_due()")
    op.execute(f"INSERT INTO due_counts (county_code, day, n) SELECT county_code, day, count(*) FROM"
               f" ({_rows('cases', 1)}) c GROUP BY 1, 2")


def downgrade() -> None:
    op.execute("DROP FUNCTION count_due() CASCADE")
    op.execute("DROP TABLE due_counts")
