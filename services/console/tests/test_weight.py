"""The console holds no database and no broker (issue 15: ≤ 120 MB RSS at rest): importing it must not load
the services' database or broker layers, which alone weigh ~30 MB (bench/console_pages.py measures RSS)."""

import subprocess
import sys


def test_the_console_loads_no_database_or_broker_library():
    probe = ("import sys, console.main; "
             "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'asyncpg', 'aiokafka', 'alembic') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert loaded.stdout.strip() == "[]"
