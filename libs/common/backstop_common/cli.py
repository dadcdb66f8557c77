"""``backstop``: the one command ops and developers use on one machine.

    backstop up                     PostgreSQL + broker + the four services + the console (`make run`)
    backstop token --role R --area C   a JWT the services accept (dev secret)
    backstop migrate SERVICE        run a service's migrations
    backstop outbox replay SERVICE --since T   republish a service's events since T
"""

import asyncio
import json
import os
import signal
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from backstop_common import devstack, topics
from backstop_common.auth import Role
from backstop_common.settings import ServiceSettings

app = typer.Typer(no_args_is_help=True, add_completion=False)
outbox_app = typer.Typer(no_args_is_help=True, help="Operate a service's outbox.")
app.add_typer(outbox_app, name="outbox")


def _service_url(service: str) -> str | None:
    return os.environ.get(f"{service.upper()}_DATABASE_URL")


@app.command()
def token(
    role: Annotated[Role, typer.Option(help="role claim")],
    area: Annotated[str, typer.Option(help="12-digit division code of the caller's area")],
    department: Annotated[str | None, typer.Option(help="for role=department")] = None,
    subject: Annotated[str | None, typer.Option(help="user id")] = None,
    ttl: Annotated[int, typer.Option(help="lifetime in seconds")] = 12 * 3600,
) -> None:
    """Print a JWT signed with the dev secret (JWT_SECRET)."""
    from backstop_common.auth import mint_token

    typer.echo(mint_token(ServiceSettings(), role=role.value, area=area.ljust(12, "0"),
                          subject=subject, department=department, ttl_s=ttl))


@app.command()
def migrate(service: str, database_url: Annotated[str | None, typer.Option()] = None) -> None:
    """Upgrade a service's database to the newest migration."""
    from backstop_common.migrations import upgrade

    url = database_url or _service_url(service) or os.environ.get("DATABASE_URL")
    if not url:
        raise typer.BadParameter(f"set {service.upper()}_DATABASE_URL, DATABASE_URL or --database-url")
    upgrade(service, url)


@app.command("topics")
def create_topics(
    bootstrap: Annotated[str, typer.Option(envvar="KAFKA_BOOTSTRAP_SERVERS")] = "127.0.0.1:9092",
    partitions: Annotated[int, typer.Option(help="partitions per topic (keyed by aggregate id)")] = 6,
) -> None:
    """Create every Backstop topic and its DLQ if missing (brokers here do not auto-create)."""
    from backstop_common.kafka import ensure_topics

    asyncio.run(ensure_topics(bootstrap, topics.all_with_dlq(), partitions))


@app.command()
def makemigrations(service: str, message: Annotated[str, typer.Option("-m")] = "change") -> None:
    """Autogenerate a migration for SERVICE against a scratch embedded PostgreSQL."""
    import tempfile

    from backstop_common.migrations import autogenerate, upgrade

    with tempfile.TemporaryDirectory() as tmp:
        server = devstack.start_postgres(Path(tmp) / "pg", cleanup_mode="stop")
        url = asyncio.run(devstack.create_database(server.get_uri(), f"scratch_{service}"))
        upgrade(service, url)
        autogenerate(service, url, message)


@outbox_app.command("replay")
def outbox_replay(
    service: str,
    since: Annotated[datetime, typer.Option(help="ISO time; events created since then are republished")],
    database_url: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Mark a service's outbox rows since T unsent; its running relay republishes them."""
    from backstop_common.db import create_engine, create_session_factory
    from backstop_common.outbox import mark_for_replay

    url = database_url or _service_url(service)
    if not url:
        raise typer.BadParameter(f"set {service.upper()}_DATABASE_URL or --database-url")
    if since.tzinfo is None:
        raise typer.BadParameter("--since needs a timezone, e.g. 2026-11-23T08:00:00+08:00")

    async def _replay() -> int:
        engine = create_engine(url, pool_size=1)
        try:
            return await mark_for_replay(create_session_factory(engine), since)
        finally:
            await engine.dispose()

    typer.echo(f"{asyncio.run(_replay())} events queued for republishing by {service}'s relay")


@app.command()
def up(
    data_dir: Annotated[Path, typer.Option(envvar="BACKSTOP_DATA_DIR")] = Path(".data"),
    seed: Annotated[bool, typer.Option(help="load the demo county")] = True,
    households: Annotated[int, typer.Option(help="demo county size")] = 20_000,
    port_offset: Annotated[int, typer.Option(envvar="BACKSTOP_PORT_OFFSET",
                                             help="added to every port (8001-8004, 9092)")] = 0,
) -> None:
    """Start PostgreSQL, the broker and the four services; Ctrl-C stops everything."""
    from backstop_common.kafka import ensure_topics

    data_dir.mkdir(parents=True, exist_ok=True)
    supervisor = devstack.Supervisor(lambda line: typer.echo(line, err=True))
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    server = None
    if not all(_service_url(s) for s in devstack.SERVICES):
        server = devstack.start_postgres(data_dir.absolute() / "pg", cleanup_mode="stop")
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        broker_port = devstack.BROKER_PORT + port_offset
        bootstrap = f"127.0.0.1:{broker_port}"

        def start_broker():
            proc = devstack.start_broker(broker_port, data_dir / "broker.log")
            asyncio.run(ensure_topics(bootstrap, topics.all_with_dlq()))
            return proc

        supervisor.start("broker", start_broker)
    asyncio.run(ensure_topics(bootstrap, topics.all_with_dlq()))
    stack = {"broker": bootstrap, "services": {}}
    console_port = devstack.CONSOLE_PORT + port_offset
    typer.echo(f"{'console':<14} http://127.0.0.1:{console_port}/   (工作台; log: {data_dir / 'console.log'})")
    try:
        for service, port in devstack.SERVICES.items():
            port += port_offset
            url = _service_url(service) or asyncio.run(devstack.create_database(server.get_uri(), service))
            devstack.migrate(service, url)
            stack["services"][service] = {"url": f"http://127.0.0.1:{port}", "database_url": url}
            env = devstack.service_env(service, url, bootstrap, **{  # services that call one another
                f"{peer.upper()}_URL": f"http://127.0.0.1:{peer_port + port_offset}"
                for peer, peer_port in devstack.SERVICES.items()})
            log = data_dir / f"{service}.log"
            supervisor.start(service, lambda s=service, p=port, e=env, lg=log: devstack.start_service(s, p, e, lg))
            typer.echo(f"{service:<14} http://127.0.0.1:{port}/docs   (log: {log})")
        typer.echo(f"{'broker':<14} {bootstrap}")
        console = devstack.console_env({s: v["url"] for s, v in stack["services"].items()})
        supervisor.start("console", lambda: devstack.start_service("console", console_port, console,
                                                                     data_dir / "console.log"))
        stack["console"] = {"url": f"http://127.0.0.1:{console_port}"}
        (data_dir / "stack.json").write_text(json.dumps(stack, indent=2))
        typer.echo("token:         backstop token --role county_admin --area 211204000000")
        if seed:
            _seed_demo(stack, data_dir, households)
        typer.echo("Backstop is up. Ctrl-C stops everything.")
        supervisor.watch()
    finally:
        supervisor.stop_all()
        typer.echo("stopped")


def _seed_demo(stack: dict, data_dir: Path, households: int = 20_000) -> None:
    from backstop_common.seed import seed_demo

    seed_demo(stack, data_dir, households=households)


@app.command()
def seed(
    households: Annotated[int, typer.Option(help="how many households (200,000 for the benchmarks)")] = 20_000,
    data_dir: Annotated[Path, typer.Option(envvar="BACKSTOP_DATA_DIR")] = Path(".data"),
) -> None:
    """Load the demo county 清河区 into the stack `backstop up` started (reads <data dir>/stack.json)."""
    stack_file = data_dir / "stack.json"
    if not stack_file.exists():
        raise typer.BadParameter(f"{stack_file} not found: start the stack with `backstop up` first")
    _seed_demo(json.loads(stack_file.read_text()), data_dir, households)


if __name__ == "__main__":
    app()
