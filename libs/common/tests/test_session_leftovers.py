"""A test session that leaves a server it started running fails, and the server is stopped (issue 12, item 7)."""

import shutil
import time
from pathlib import Path

import psutil

LEAKY = '''
import subprocess, sys, tempfile
from pathlib import Path

from backstop_common import devstack


def test_leaves_a_postgres_and_a_child_running():
    server = devstack.start_postgres(Path(tempfile.mkdtemp()) / "pg", cleanup_mode=None)  # nobody stops it
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    Path({pids!r}).write_text(f"{{server.pgdata}} {{server.get_pid()}} {{child.pid}}")
'''


def _gone(pid: int) -> bool:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def test_a_session_that_leaves_servers_running_fails_and_they_are_stopped(pytester):
    pids = pytester.path / "pids"
    pytester.makepyfile(LEAKY.format(pids=str(pids)))
    result = pytester.runpytest_subprocess("-p", "backstop_common.testing")
    pg_dir, *started = pids.read_text().split()
    try:
        assert result.ret != 0
        result.stdout.fnmatch_lines(["*2 process(es) started by this test session were left running*", "*1 passed*"])
        assert all(_gone(int(pid)) for pid in started), started
    finally:
        for pid in map(int, started):
            if psutil.pid_exists(pid):
                psutil.Process(pid).kill()
        shutil.rmtree(Path(pg_dir).parent, ignore_errors=True)
