"""Secrets are refused by default: only the one-machine mode (BACKSTOP_ENV=dev) has a dev secret."""

import pytest

from backstop_common.app import InsecureSettings, ServiceSpec, create_app
from backstop_common.asyncapi import EventCatalog
from backstop_common.auth import decode_token, mint_token
from backstop_common.settings import DEV_JWT_SECRET, ServiceSettings, one_machine_settings

STRONG = "pX9v2Lq7tR4wZ8mK1nB6cY3hJ5dF0gS2aE"


def app_with(settings: ServiceSettings):
    return create_app(ServiceSpec(name="probe", title="probe", settings=settings, catalog=EventCatalog("probe")))


@pytest.mark.parametrize("secret", [None, "change-me", DEV_JWT_SECRET, "only-twenty-bytes-ok"])
async def test_a_service_outside_dev_refuses_to_start_with_a_missing_or_weak_secret(secret):
    app = app_with(ServiceSettings(backstop_env="production", jwt_secret=secret))
    with pytest.raises(InsecureSettings):
        async with app.router.lifespan_context(app):
            pass


def test_a_real_secret_or_the_identity_providers_key_is_accepted():
    assert ServiceSettings(backstop_env="production", jwt_secret=STRONG).secret_problem() is None
    assert ServiceSettings(backstop_env="production", jwt_public_key="-----BEGIN PUBLIC KEY-----").secret_problem() is None
    assert ServiceSettings(backstop_env="production").jwt_secret is None


def test_the_host_tools_sign_with_the_secret_the_dev_stack_verifies(monkeypatch):
    monkeypatch.delenv("BACKSTOP_ENV", raising=False)
    monkeypatch.delenv("JWT_SECRET", raising=False)
    token = mint_token(one_machine_settings(), role="county_admin", area="211204000000")
    service = ServiceSettings(backstop_env="dev")  # what `backstop up` gives the services it starts
    assert decode_token(service, token).area_code == "211204000000"
    assert service.jwt_secret == DEV_JWT_SECRET
