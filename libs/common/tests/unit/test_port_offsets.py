"""Two test sessions starting stacks at once must not pick the same ports (devstack.free_port_offset)."""

import fcntl
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from backstop_common import devstack

HOLD = """
import sys
from backstop_common import devstack
print(devstack.free_port_offset(), flush=True)
sys.stdin.read()
"""


def test_an_offset_another_process_claimed_is_not_handed_out_while_it_holds_it():
    other = subprocess.Popen([sys.executable, "-c", HOLD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    mine = []
    try:
        theirs = int(other.stdout.readline())
        mine = [devstack.free_port_offset() for _ in range(5)]
        assert theirs not in mine and len(set(mine)) == 5  # nor one this process holds already
    finally:
        other.communicate("")
        for offset in mine:
            devstack.release_port_offset(offset)
    with open(devstack._CLAIMS / f"{theirs}.lock", "a") as claim:  # its holder exited: the offset is free again
        fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_a_server_is_not_started_where_another_already_listens():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(devstack.PortTaken):
            devstack.start_service("registry", taken.getsockname()[1], {}, Path("/dev/null"))
