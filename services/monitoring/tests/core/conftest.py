"""Fixtures of the monitoring core tests (signals, cases, workflow, deadlines, re-screen, dashboard)."""

import pytest

from backstop_common.testing import ServiceUnderTest, serving
from monitoring.config import Settings
from monitoring.main import build_app

from ..clock import clock
from .support import Feed


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    """settings and client come from the kernel's plugin (backstop_common.testing)."""
    return ServiceUnderTest("monitoring", Settings, build_app, {"sweep_interval_s": 0.2, "outbox_poll_interval_s": 0.2})


@pytest.fixture(scope="package")
async def app(settings):
    """Package-scoped: its consumer leaves the "monitoring" group before other packages' apps join it."""
    async with serving(build_app(settings, clock=clock)) as application:
        yield application


@pytest.fixture
def feed(app, settings) -> Feed:
    return Feed(app, settings)
