import pytest

from backstop_common.testing import bearer, fresh_database, running
from registry.config import Settings
from registry.main import build_app

pytest_plugins = ["backstop_common.testing"]

COUNTY = "211204000000"
AREAS = [
    {"code": COUNTY, "name": "清河区"},
    {"code": "211204001000", "name": "张相镇"}, {"code": "211204002000", "name": "杨木林子镇"},
    {"code": "211204001001", "name": "张相村"}, {"code": "211204001002", "name": "大房身村"},
    {"code": "211204002001", "name": "杨木林子村"},
]


@pytest.fixture(scope="session")
def settings(pg_server, kafka_bootstrap) -> Settings:
    return Settings(database_url=fresh_database(pg_server, "registry"), kafka_bootstrap_servers=kafka_bootstrap)


@pytest.fixture(scope="session")
async def app(settings):
    application = build_app(settings)
    async with running(application) as client:
        application.state.client = client
        resp = await client.post("/api/v1/areas/bulk", json={"areas": AREAS},
                                 headers=bearer(settings, "county_admin", COUNTY))
        assert resp.status_code == 200, resp.text
        yield application


@pytest.fixture
def client(app):
    return app.state.client
