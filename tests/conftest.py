"""The whole system as `make run` starts it: `backstop up` in a child process, on free ports."""

import pytest

from backstop_common.devstack import run_stack
from backstop_common.testing import server_home


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    with server_home(tmp_path_factory, "stack") as home:
        running = run_stack(home, extra_env={"CLOCK_CONTROL_ENABLED": "true"})
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture(scope="session")
def demo_areas(stack):
    """清河区 with its townships and villages, created through the registry API once."""
    import asyncio

    import httpx

    from tests.support import load_demo_areas

    async def load():
        async with httpx.AsyncClient(timeout=30) as client:
            await load_demo_areas(client, stack)

    asyncio.run(load())
    return stack


def pytest_collection_modifyitems(config, items):
    """Mark each test that runs on the session's stack (``stack``, directly or through another fixture):
    `make test` runs those in one session and the rest (their own stacks, documents, files) in another,
    side by side (docs/testing.md). Their order within each session stays the order of the files."""
    for item in items:
        if "stack" in getattr(item, "fixturenames", ()):
            item.add_marker("stack")
