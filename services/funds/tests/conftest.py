import pytest

from backstop_common.clock import Clock
from backstop_common.testing import bearer, fresh_database, running
from funds.config import Settings
from funds.main import build_app

pytest_plugins = ["backstop_common.testing"]

COUNTY = "211204000000"


@pytest.fixture(scope="session")
def settings(pg_server, kafka_bootstrap) -> Settings:
    return Settings(database_url=fresh_database(pg_server, "funds"), kafka_bootstrap_servers=kafka_bootstrap,
                    sweep_interval_s=0.2, outbox_poll_interval_s=0.2)


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
def county(settings):
    return bearer(settings, "county_admin", COUNTY)
