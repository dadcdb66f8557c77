"""Fixtures of the monitoring core tests (signals, cases, workflow, deadlines, re-screen, dashboard)."""

import pytest

from backstop_common.testing import fresh_database, running
from monitoring.config import Settings
from monitoring.main import build_app

from ..clock import clock
from .support import Feed


@pytest.fixture(scope="session")
def settings(pg_server, kafka_bootstrap) -> Settings:
    return Settings(database_url=fresh_database(pg_server, "monitoring"), kafka_bootstrap_servers=kafka_bootstrap,
                    sweep_interval_s=0.2, outbox_poll_interval_s=0.2)


@pytest.fixture(scope="package")
async def app(settings):
    """Package-scoped: its consumer leaves the "monitoring" group before other packages' apps join it."""
    application = build_app(settings, clock=clock)
    async with running(application) as client:
        application.state.client = client
        yield application


@pytest.fixture
def client(app):
    return app.state.client


@pytest.fixture
def feed(app, settings) -> Feed:
    return Feed(app, settings)
