"""Settings of the console: ``CONSOLE_*`` variables on the shared base (JWT settings for demo sign-in)."""

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from backstop_common.settings import DEV, KNOWN_WEAK_SECRETS, MIN_SECRET_BYTES, ServiceSettings

DEV_SESSION_SECRET = "backstop-console-dev-session-secret-change-me"


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
    #: signs the session cookie; no default outside BACKSTOP_ENV=dev
    session_secret: str | None = None
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

    @model_validator(mode="after")
    def _dev_session_secret(self):
        if self.backstop_env == DEV and not self.session_secret:
            self.session_secret = DEV_SESSION_SECRET
        return self

    def secret_problem(self) -> str | None:
        """The console verifies no token itself (the services do), but a forgeable session is a forged user;
        demo sign-in mints tokens, so it needs the services' own secret to be sound too."""
        if self.backstop_env == DEV:
            return None
        secret = self.session_secret or ""
        if secret in KNOWN_WEAK_SECRETS | {DEV_SESSION_SECRET} or len(secret.encode()) < MIN_SECRET_BYTES:
            return f"CONSOLE_SESSION_SECRET is missing, known or short; use at least {MIN_SECRET_BYTES} random bytes"
        return super().secret_problem() if self.demo_login else None
