"""`backstop up` starts its servers side by side and keeps them running (devstack.Supervisor)."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from backstop_common import devstack

LISTEN = """
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
time.sleep(120)
"""


def listener(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", LISTEN, str(port)])
    devstack.wait_for_port(port, process=proc)
    return proc


def crashing(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    devstack.wait_for_port(port, timeout=60, process=proc)
    return proc


def test_a_service_that_crashes_as_it_starts_fails_at_once_not_after_the_wait(tmp_path: Path):
    started = time.monotonic()
    with pytest.raises(devstack.ExitedBeforeListening, match="exited with 1"):
        devstack.start_service("no_such_service", devstack.free_port(), {}, tmp_path / "log")
    assert time.monotonic() - started < 60  # the wait allows 120 s for a slow import
    assert "no_such_service" in (tmp_path / "log").read_text()


def test_servers_start_together_and_one_failing_leaves_the_others_to_stop_all():
    supervisor = devstack.Supervisor(lambda line: None)
    ports = [devstack.free_port(), devstack.free_port()]
    try:
        with pytest.raises(devstack.ExitedBeforeListening):
            supervisor.start_together({"a": lambda: listener(ports[0]), "b": lambda: listener(ports[1]),
                                       "c": lambda: crashing(devstack.free_port())})
        running = {name: proc for name, (_, proc) in supervisor._procs.items()}
        assert set(running) == {"a", "b"} and all(p.poll() is None for p in running.values())
    finally:
        supervisor.stop_all()
    assert all(p.poll() is not None for p in running.values())


def test_a_server_that_cannot_come_back_is_tried_again_later_not_in_a_tight_loop():
    said = []
    supervisor = devstack.Supervisor(said.append)
    attempts = []

    def starter():
        attempts.append(time.monotonic())
        return crashing(devstack.free_port())

    supervisor._procs["x"] = (starter, subprocess.Popen([sys.executable, "-c", "pass"]))
    supervisor._procs["x"][1].wait()
    for _ in range(5):
        supervisor.tend()
    assert len(attempts) == 1 and "did not come back yet" in said[-1]
    supervisor._retry_at["x"] = 0  # the pause is over
    supervisor.tend()
    assert len(attempts) == 2
