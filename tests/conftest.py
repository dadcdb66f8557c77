"""The whole system as `make run` starts it: `backstop up` in a child process, on free ports."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from backstop_common import devstack
from backstop_common.auth import mint_token
from backstop_common.settings import ServiceSettings

pytest_plugins = ["backstop_common.testing"]
ROOT = Path(__file__).resolve().parent.parent


def _offset_with_free_ports() -> int:
    for offset in range(20000, 40000, 137):
        ports = [p + offset for p in (*devstack.SERVICES.values(), devstack.BROKER_PORT)]
        free = True
        for port in ports:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    free = False
                    break
        if free:
            return offset
    raise RuntimeError("no free port range")


@dataclass
class Stack:
    proc: subprocess.Popen
    data_dir: Path
    offset: int

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{devstack.SERVICES[service] + self.offset}"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{devstack.BROKER_PORT + self.offset}"

    def log(self, service: str) -> str:
        return (self.data_dir / f"{service}.log").read_text(errors="replace")

    def database_url(self, service: str) -> str:
        """What `backstop up` wrote to <data dir>/stack.json."""
        return json.loads((self.data_dir / "stack.json").read_text())["services"][service]["database_url"]

    def broker_process(self) -> psutil.Process:
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            if "tansu" in child.name():
                return child
        raise LookupError("broker not running")

    def headers(self, role: str, area: str, **kw) -> dict:
        return {"Authorization": f"Bearer {mint_token(ServiceSettings(), role=role, area=area, **kw)}"}


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("stack")
    offset = _offset_with_free_ports()
    env = dict(os.environ, BACKSTOP_PORT_OFFSET=str(offset), BACKSTOP_DATA_DIR=str(data_dir))
    for name in list(env):
        if name.endswith("_DATABASE_URL") or name == "KAFKA_BOOTSTRAP_SERVERS":
            env.pop(name)
    out = open(data_dir / "up.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "backstop_common.cli", "up", "--no-seed"],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    running = Stack(proc, data_dir, offset)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"backstop up exited: {(data_dir / 'up.log').read_text()}")
        if "Backstop is up" in (data_dir / "up.log").read_text(errors="replace"):
            break
        time.sleep(0.2)
    else:
        raise TimeoutError((data_dir / "up.log").read_text())
    for service in devstack.SERVICES:
        assert httpx.get(f"{running.url(service)}/healthz").status_code == 200
    yield running
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
