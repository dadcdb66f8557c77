import pytest

from backstop_common.clock import Clock
from backstop_common.testing import bearer, fresh_database, running
from notifications.config import Settings
from notifications.main import build_app

pytest_plugins = ["backstop_common.testing"]

COUNTY = "211204000000"
TOWNSHIP = "211204001000"


@pytest.fixture(scope="session")
def settings(pg_server, kafka_bootstrap) -> Settings:
    return Settings(
        database_url=fresh_database(pg_server, "notifications"), kafka_bootstrap_servers=kafka_bootstrap,
        dispatch_interval_s=0.1, backoff_base_s=0.05, backoff_max_s=0.2, delivery_max_attempts=3,
        webhook_backoff_base_s=0.05, webhook_backoff_max_s=0.2, webhook_pause_after_failures=3,
        webhook_max_attempts=10, webhook_timeout_s=2.0, group_provider="wecom", provider_timeout_s=2.0,
    )


@pytest.fixture(scope="session")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
async def app(settings, clock):
    application = build_app(settings, clock=clock)
    async with running(application) as client:
        application.state.client = client
        yield application


@pytest.fixture
def client(app):
    return app.state.client


@pytest.fixture
def admin(settings):
    return bearer(settings, "county_admin", COUNTY, subject="admin-1")
