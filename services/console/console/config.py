"""Settings of the console: ``CONSOLE_*`` variables on the shared base (JWT settings for demo sign-in)."""

from pydantic_settings import SettingsConfigDict

from backstop_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore", populate_by_name=True)

    service_name: str = "console"
    registry_url: str = "http://127.0.0.1:8001"
    monitoring_url: str = "http://127.0.0.1:8002"
    funds_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"
    #: a page waits at most this long for one service; past it that part of the page says it is unavailable
    backend_timeout_s: float = 5.0
    #: the demo sign-in page (演示环境): `backstop up` turns it on, compose never does
    demo_login: bool = False
    session_secret: str = "backstop-console-dev-session-secret-change-me"
    #: a session lasts a working day; after it the user signs in again
    session_ttl_s: int = 10 * 3600
    #: Secure cookies behind TLS
    secure_cookies: bool = False
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scope: str = "openid profile"
    #: the public funds page: answers kept this long, and at most this many requests a minute per address
    public_cache_s: float = 60.0
    public_rate_per_minute: int = 60
