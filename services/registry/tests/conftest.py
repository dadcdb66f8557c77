import pytest

from backstop_common.testing import fresh_database, running
from registry.config import Settings
from registry.main import build_app

pytest_plugins = ["backstop_common.testing"]


@pytest.fixture(scope="session")
def settings(pg_server, kafka_bootstrap) -> Settings:
    return Settings(database_url=fresh_database(pg_server, "registry"), kafka_bootstrap_servers=kafka_bootstrap)


@pytest.fixture(scope="session")
async def app(settings):
    application = build_app(settings)
    async with running(application) as client:
        application.state.client = client
        yield application


@pytest.fixture
def client(app):
    return app.state.client
