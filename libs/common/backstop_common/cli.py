"""``backstop``: the one command ops and developers use on one machine.

    backstop up                     PostgreSQL + broker + the four services + the console (`make run`)
    backstop token --role R --area C   a JWT the services accept (dev secret)
    backstop users                  the demo county's users and the token command of each
    backstop migrate SERVICE        run a service's migrations
    backstop outbox replay SERVICE --since T   republish a service's events since T
    backstop import FILE --area C   load a national household export into the registry
    backstop areas load [FILE]      the county's division codes into the registry
    backstop seed / bootstrap       the demo county, into `backstop up` or a compose stack
    backstop backup DIR / restore DIR   pg_dump / pg_restore of every service database
    backstop topics, probe, --version   what containers and operators call
"""

import asyncio
import json
import os
import signal
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from backstop_common import devstack, topics
from backstop_common.auth import Role
from backstop_common.settings import ServiceSettings, one_machine_settings

app = typer.Typer(no_args_is_help=True, add_completion=False)
outbox_app = typer.Typer(no_args_is_help=True, help="Operate a service's outbox.")
app.add_typer(outbox_app, name="outbox")
areas_app = typer.Typer(no_args_is_help=True, help="The county's areas (division codes).")
app.add_typer(areas_app, name="areas")


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import version

        typer.echo(f"backstop {version('backstop-common')}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="print the version and exit")] = False) -> None:
    """Backstop: run, operate and seed the four services."""


def _known_service(service: str) -> str:
    if service not in devstack.SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of: {', '.join(devstack.SERVICES)}")
    return service


Service = Annotated[str, typer.Argument(callback=_known_service, help=" | ".join(devstack.SERVICES))]


def _service_url(service: str) -> str | None:
    return os.environ.get(f"{service.upper()}_DATABASE_URL")


def _database_url(service: str, flag: str | None) -> str:
    """--database-url, then <SERVICE>_DATABASE_URL (one machine), then DATABASE_URL (a container)."""
    url = flag or _service_url(service) or os.environ.get("DATABASE_URL")
    if not url:
        raise typer.BadParameter(f"set {service.upper()}_DATABASE_URL, DATABASE_URL or --database-url")
    return url


@app.command()
def token(
    role: Annotated[Role, typer.Option(help="role claim")],
    area: Annotated[str, typer.Option(help="12-digit division code of the caller's area")],
    department: Annotated[str | None, typer.Option(help="for role=department")] = None,
    subject: Annotated[str | None, typer.Option(help="user id")] = None,
    ttl: Annotated[int, typer.Option(help="lifetime in seconds")] = 12 * 3600,
) -> None:
    """Print a JWT signed with JWT_SECRET (the dev secret `backstop up` uses when it is unset)."""
    from backstop_common.auth import mint_token

    typer.echo(mint_token(one_machine_settings(), role=role.value, area=area.ljust(12, "0"),
                          subject=subject, department=department, ttl_s=ttl))


def _columns(text: str) -> int:
    """How many terminal columns ``text`` takes (a Chinese character takes two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@app.command()
def users(role: Annotated[Role | None, typer.Option(help="only users with this role")] = None) -> None:
    """List the demo county's users (演示用户) and the command that mints each one's token."""
    from backstop_common.demo.users import demo_users

    rows = [(u.subject, u.role.value, u.area_code, u.department or "-", u.token_command, u.label)
            for u in demo_users() if role is None or u.role == role]
    header = ("用户 (sub)", "角色", "地区", "部门", "令牌", "名称")
    widths = [max(_columns(r[i]) for r in rows + [header]) + 2 for i in range(5)]
    for row in [header, *rows]:
        typer.echo("".join(cell + " " * (w - _columns(cell)) for cell, w in zip(row, widths)) + row[5])


@app.command()
def migrate(service: Service, database_url: Annotated[str | None, typer.Option()] = None) -> None:
    """Upgrade a service's database to the newest migration and say from which revision to which."""
    from backstop_common.logging import configure_logging
    from backstop_common.migrations import current_revision, upgrade

    configure_logging("backstop-migrate", os.environ.get("LOG_LEVEL", "INFO"), to_stderr=True)  # alembic's lines
    url = _database_url(service, database_url)
    before = current_revision(service, url)
    upgrade(service, url)
    after = current_revision(service, url)
    if before == after:
        typer.echo(f"{service}: already at {after}, nothing to do")
    else:
        typer.echo(f"{service}: migrated {before or 'empty database'} -> {after}")


@app.command("topics")
def create_topics(
    bootstrap: Annotated[str | None, typer.Option(help="brokers [KAFKA_BOOTSTRAP_SERVERS]")] = None,
    partitions: Annotated[int | None, typer.Option(help="partitions per topic [KAFKA_PARTITIONS]")] = None,
    replication: Annotated[int | None, typer.Option(help="replication factor [KAFKA_REPLICATION_FACTOR]")] = None,
) -> None:
    """Create every Backstop topic and its DLQ if missing (brokers here do not auto-create).

    The broker comes from KAFKA_BOOTSTRAP_SERVERS; a topic the broker refuses fails the command.
    """
    from backstop_common.kafka import ensure_topics

    settings = ServiceSettings()
    created = asyncio.run(ensure_topics(bootstrap or settings.kafka_bootstrap_servers, topics.all_with_dlq(),
                                        partitions or settings.kafka_partitions,
                                        replication or settings.kafka_replication_factor))
    typer.echo(f"topics created: {', '.join(created)}" if created else "topics: all present")


@app.command()
def makemigrations(service: Service, message: Annotated[str, typer.Option("-m")] = "change") -> None:
    """Autogenerate a migration for SERVICE against a scratch embedded PostgreSQL."""
    import tempfile

    from backstop_common.migrations import autogenerate, upgrade

    with tempfile.TemporaryDirectory() as tmp:
        server = devstack.start_postgres(Path(tmp) / "pg", cleanup_mode="stop")
        url = asyncio.run(devstack.create_database(server.get_uri(), f"scratch_{service}"))
        upgrade(service, url)
        autogenerate(service, url, message)


def _iso_time(text: str) -> datetime:
    """An ISO 8601 time as people paste it (with its zone); typer's own datetime type drops zones in some versions."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not an ISO time: {text!r}, e.g. 2026-11-23T08:00:00+08:00") from None


@outbox_app.command("replay")
def outbox_replay(
    service: Service,
    since: Annotated[datetime, typer.Option(help="ISO time with its zone; events created since then are republished",
                                            parser=_iso_time, metavar="ISO-TIME")],
    database_url: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Mark a service's outbox rows since T unsent; its running relay republishes them."""
    from backstop_common.db import create_engine, create_session_factory
    from backstop_common.outbox import mark_for_replay

    url = _database_url(service, database_url)
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

    os.environ.setdefault("BACKSTOP_ENV", "dev")  # one machine: what it starts accepts the dev secret
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
    else:  # an operator's broker (Apache Kafka): its topics as `backstop topics` creates them, KAFKA_PARTITIONS and
        # KAFKA_REPLICATION_FACTOR; the one-machine broker's keep ensure_topics' 3 (more gave the chain nothing there:
        # bench/RESULTS.md, session 11)
        create_topics(bootstrap=bootstrap)
    stack = {"broker": bootstrap, "services": {}}
    console_port = devstack.CONSOLE_PORT + port_offset
    typer.echo(f"{'console':<14} http://127.0.0.1:{console_port}/   (工作台; log: {data_dir / 'console.log'})")
    try:
        databases = {service: _service_url(service) or asyncio.run(devstack.create_database(server.get_uri(), service))
                     for service in devstack.SERVICES}
        devstack.migrate_all(databases)
        starters = {}
        for service, port in devstack.SERVICES.items():
            port += port_offset
            url = databases[service]
            stack["services"][service] = {"url": f"http://127.0.0.1:{port}", "database_url": url}
            env = devstack.service_env(service, url, bootstrap, **{  # services that call one another
                f"{peer.upper()}_URL": f"http://127.0.0.1:{peer_port + port_offset}"
                for peer, peer_port in devstack.SERVICES.items()})
            log = data_dir / f"{service}.log"
            starters[service] = lambda s=service, p=port, e=env, lg=log: devstack.start_service(s, p, e, lg)
            typer.echo(f"{service:<14} http://127.0.0.1:{port}/docs   (log: {log})")
        typer.echo(f"{'broker':<14} {bootstrap}")
        console = devstack.console_env({s: v["url"] for s, v in stack["services"].items()})
        starters["console"] = lambda: devstack.start_service("console", console_port, console, data_dir / "console.log")
        supervisor.start_together(starters)
        stack["console"] = {"url": f"http://127.0.0.1:{console_port}"}
        (data_dir / "stack.json").write_text(json.dumps(stack, indent=2))
        typer.echo("token:         backstop token --role county_admin --area 211204000000")
        if seed:
            _seed_demo(stack, data_dir, households)
        urls = {name: svc["url"] for name, svc in stack["services"].items()}
        # "up" means every service holds what was published so far (a restart may be republishing), on every
        # partition: its consumer group has committed each one's end, whichever process holds it
        if devstack.wait_until_digested(urls, supervisor, lambda line: typer.echo(line, err=True),
                                        bootstrap=bootstrap):
            typer.echo("Backstop is up. Ctrl-C stops everything.")
        supervisor.watch()
    finally:
        supervisor.stop_all()
        if server is not None:
            devstack.stop_postgres(server.pgdata)
        typer.echo("stopped")


def _seed_demo(stack: dict, data_dir: Path, households: int = 20_000) -> None:
    from backstop_common.seed import seed_demo

    seed_demo(stack, data_dir, households=households)


def _urls_option(service: str):
    return typer.Option(f"--{service}-url", envvar=f"{service.upper()}_URL",
                        help=f"{service} base URL (default: from <data dir>/stack.json)")


def _stack(data_dir: Path, urls: dict[str, str | None]) -> dict:
    """The services to talk to: URLs from flags/env, the rest from what `backstop up` wrote."""
    stack_file = data_dir / "stack.json"
    services = json.loads(stack_file.read_text())["services"] if stack_file.exists() else {}
    for service, url in urls.items():
        if url:
            services[service] = {"url": url.rstrip("/")}
    missing = [s for s in urls if s not in services]
    if missing:
        raise typer.BadParameter(f"no URL for {', '.join(missing)}: pass --{missing[0]}-url "
                                 f"(or {missing[0].upper()}_URL), or start the stack with `backstop up`")
    return {"services": services}


DataDir = Annotated[Path, typer.Option(envvar="BACKSTOP_DATA_DIR")]
RegistryUrl = Annotated[str | None, _urls_option("registry")]
MonitoringUrl = Annotated[str | None, _urls_option("monitoring")]
FundsUrl = Annotated[str | None, _urls_option("funds")]
NotificationsUrl = Annotated[str | None, _urls_option("notifications")]


@app.command()
def seed(
    households: Annotated[int, typer.Option(help="how many households (200,000 for the benchmarks)")] = 20_000,
    data_dir: DataDir = Path(".data"),
    registry_url: RegistryUrl = None, monitoring_url: MonitoringUrl = None,
    funds_url: FundsUrl = None, notifications_url: NotificationsUrl = None,
) -> None:
    """Load the demo county 清河区 into a running stack (service URLs from flags/env or stack.json)."""
    stack = _stack(data_dir, {"registry": registry_url, "monitoring": monitoring_url, "funds": funds_url,
                              "notifications": notifications_url})
    _seed_demo(stack, data_dir, households)


@areas_app.command("load")
def areas_load(
    file: Annotated[Path | None, typer.Argument(help="CSV code,name,parent_code (default: the demo county)")] = None,
    data_dir: DataDir = Path(".data"),
    registry_url: RegistryUrl = None,
) -> None:
    """Create the county's areas (division codes) in the registry; areas already there stay as they are."""
    from backstop_common.seed import area_rows, load_areas

    url = _stack(data_dir, {"registry": registry_url})["services"]["registry"]["url"]
    result = load_areas(url, area_rows(file.read_text(encoding="utf-8-sig") if file else None))
    typer.echo(f"areas: {result['created']} created, {result['unchanged']} unchanged")


@app.command()
def bootstrap(
    demo: Annotated[bool, typer.Option(envvar="BACKSTOP_DEMO", help="also load the demo county")] = False,
    data_dir: DataDir = Path(".data"),
    registry_url: RegistryUrl = None, monitoring_url: MonitoringUrl = None,
    funds_url: FundsUrl = None, notifications_url: NotificationsUrl = None,
) -> None:
    """The compose one-shot: with BACKSTOP_DEMO=true load the demo county, else only say what to do next."""
    if not demo:
        typer.echo("BACKSTOP_DEMO is not true: nothing loaded; load your areas with `backstop areas load FILE`")
        return
    seed(20_000, data_dir, registry_url, monitoring_url, funds_url, notifications_url)


def _database_urls(data_dir: Path, server_url: str | None, services: list[str] | None) -> dict[str, str]:
    """Per service: <SERVICE>_DATABASE_URL, else <server URL>/<service> (compose), else stack.json."""
    stack_file = data_dir / "stack.json"
    stack = json.loads(stack_file.read_text())["services"] if stack_file.exists() else {}
    urls = {}
    for service in services or list(devstack.SERVICES):
        _known_service(service)
        url = _service_url(service) or (f"{server_url.rstrip('/')}/{service}" if server_url else None) \
            or stack.get(service, {}).get("database_url")
        if not url:
            raise typer.BadParameter(f"no database for {service}: set {service.upper()}_DATABASE_URL (or pass its "
                                     f"--database-url/--server-url), or run where `backstop up` wrote {stack_file}")
        urls[service] = url
    return urls


#: how far before a backup `backstop restore` suggests replaying the outbox from
REPLAY_MARGIN = timedelta(hours=1)
ServerUrl = Annotated[str | None, typer.Option(envvar="BACKSTOP_SERVER_URL", help=(
    "PostgreSQL server holding a database per service, e.g. postgresql://postgres:PW@127.0.0.1:5432"))]
Services = Annotated[list[str] | None, typer.Option("--service", help="only these services (repeatable)")]


@app.command("backup")
def backup_command(
    target: Annotated[Path, typer.Argument(help="folder for <service>.dump files and manifest.json")],
    data_dir: DataDir = Path(".data"), server_url: ServerUrl = None, service: Services = None,
) -> None:
    """Dump every service's database (pg_dump, custom format) into TARGET."""
    from backstop_common.backup import backup
    from backstop_common.migrations import current_revision

    urls = _database_urls(data_dir, server_url, service)
    manifest = backup(urls, target, {s: current_revision(s, u) for s, u in urls.items()})
    for name, item in manifest["services"].items():
        typer.echo(f"{name:<14} {target / item['file']}  ({item['bytes']:,} bytes, revision {item['revision']})")
    typer.echo(f"backup taken at {manifest['taken_at']}")


@app.command("restore")
def restore_command(
    source: Annotated[Path, typer.Argument(help="a folder `backstop backup` wrote")],
    data_dir: DataDir = Path(".data"), server_url: ServerUrl = None, service: Services = None,
) -> None:
    """Replace every service database's contents with the backup's (stop the services first), then
    run migrations to bring an older backup up to the installed version."""
    from backstop_common.backup import restore
    urls = _database_urls(data_dir, server_url, service)
    manifest = restore(urls, source)
    for name, url in urls.items():
        devstack.migrate(name, url)  # a child process each: the services' models cannot share one
        typer.echo(f"{name:<14} restored from {source / manifest['services'][name]['file']}")
    # dumps of the four databases are minutes apart: replay from well before, consumers skip what they hold
    since = (datetime.fromisoformat(manifest["taken_at"]) - REPLAY_MARGIN).isoformat()
    typer.echo(f"restored the backup taken at {manifest['taken_at']}; now republish what the broker may have lost:\n"
               f"  backstop outbox replay SERVICE --since {since}   (for each service)")


@app.command("import")
def import_households(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="national export: CSV, XLS or XLSX")],
    area: Annotated[str, typer.Option(help="12-digit code of the area the file may touch")] = "211204000000",
    subject: Annotated[str, typer.Option(help="who is importing (kept in the history)")] = "backstop-import",
    income_year: Annotated[int | None, typer.Option(help="year of the incomes in the file")] = None,
    database_url: Annotated[str | None, typer.Option(help="default: REGISTRY_DATABASE_URL or DATABASE_URL")] = None,
    show_errors: Annotated[int, typer.Option(help="rejected rows to list")] = 50,
    data_dir: DataDir = Path(".data"),
) -> None:
    """Import a national household/member export into the registry's database (as POST /imports/households).

    Exits 1 when rows were rejected. The registry's relay publishes the events the import staged."""
    from importlib.metadata import entry_points

    importers = entry_points(group="backstop.importers", name="households")
    if not importers:
        raise typer.BadParameter("the registry package is not installed here")
    run_import = next(iter(importers)).load()
    if database_url or _service_url("registry") or os.environ.get("DATABASE_URL"):
        url = _database_url("registry", database_url)
    else:  # one machine: the database `backstop up` created
        url = _database_urls(data_dir, None, ["registry"])["registry"]
    raise typer.Exit(asyncio.run(run_import(file, area, subject, income_year, url, show_errors)))


@app.command()
def probe(url: str, timeout: Annotated[float, typer.Option(help="seconds")] = 3.0) -> None:
    """Exit 0 if URL answers 2xx: the containers' healthcheck (the slim image has no curl)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            ok = 200 <= resp.status < 300
    except (urllib.error.URLError, OSError):
        ok = False
    raise typer.Exit(0 if ok else 1)


if __name__ == "__main__":
    app()
