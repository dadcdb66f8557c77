import pytest
from fastapi import FastAPI

from backstop_common.testing import ServiceUnderTest, bearer
from registry.config import Settings
from registry.main import build_app

COUNTY = "211204000000"
AREAS = [
    {"code": COUNTY, "name": "清河区"},
    {"code": "211204001000", "name": "张相镇"}, {"code": "211204002000", "name": "杨木林子镇"},
    {"code": "211204001001", "name": "张相村"}, {"code": "211204001002", "name": "大房身村"},
    {"code": "211204002001", "name": "杨木林子村"},
]


async def load_areas(app: FastAPI) -> None:
    resp = await app.state.client.post("/api/v1/areas/bulk", json={"areas": AREAS},
                                       headers=bearer(app.state.settings, "county_admin", COUNTY))
    assert resp.status_code == 200, resp.text


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    """settings, clock, app and client come from the kernel's plugin (backstop_common.testing)."""
    return ServiceUnderTest("registry", Settings, build_app, started=load_areas)
