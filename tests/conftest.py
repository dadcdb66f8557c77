"""The whole system as `make run` starts it: `backstop up` in a child process, on free ports."""

import pytest

from backstop_common.devstack import run_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    running = run_stack(tmp_path_factory.mktemp("stack"), extra_env={"CLOCK_CONTROL_ENABLED": "true"})
    yield running
    running.stop()
