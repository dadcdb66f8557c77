import pytest

from backstop_common.testing import ServiceUnderTest, bearer
from notifications.config import Settings
from notifications.main import build_app

COUNTY = "211204000000"
TOWNSHIP = "211204001000"


@pytest.fixture(scope="session")
def service() -> ServiceUnderTest:
    """settings, clock, app and client come from the kernel's plugin (backstop_common.testing)."""
    return ServiceUnderTest("notifications", Settings, build_app, dict(
        dispatch_interval_s=0.1, backoff_base_s=0.05, backoff_max_s=0.2, delivery_max_attempts=3,
        webhook_backoff_base_s=0.05, webhook_backoff_max_s=0.2, webhook_pause_after_failures=3,
        webhook_max_attempts=10, webhook_timeout_s=2.0, group_provider="wecom", provider_timeout_s=2.0,
    ))


@pytest.fixture
def admin(settings):
    return bearer(settings, "county_admin", COUNTY, subject="admin-1")
