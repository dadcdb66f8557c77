import pytest

from backstop_common.testing import ServiceUnderTest, bearer
from funds.config import Settings
from funds.main import build_app

COUNTY = "211204000000"


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    """settings, clock, app and client come from the kernel's plugin (backstop_common.testing)."""
    return ServiceUnderTest("funds", Settings, build_app, {"sweep_interval_s": 0.2, "outbox_poll_interval_s": 0.2})


@pytest.fixture
def county(settings):
    return bearer(settings, "county_admin", COUNTY)
