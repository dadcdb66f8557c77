"""Settings of the monitoring service: ``MONITORING_*`` variables on the shared base."""

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from backstop_common.settings import DEV, ServiceSettings, database_url_field


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MONITORING_", extra="ignore", populate_by_name=True)

    service_name: str = "monitoring"
    database_url: str = database_url_field("MONITORING_", "postgresql://postgres@127.0.0.1:5432/monitoring")
    #: how often the deadline sweeper looks for missed steps (case.overdue)
    sweep_interval_s: float = 60.0
    sweeper_enabled: bool = True
    #: a line set above a county re-screens its counties each in a transaction of its own, this many at once
    #: (a connection and a core of PostgreSQL each; docs/scaling.md)
    rescreen_parallelism: int = 2
    #: a county's re-screen pending this long was left by a crash: the recovery job (every sweep interval) does it
    rescreen_recover_after_s: float = 300.0

    # supervision (12317 reports, self-declarations): see docs/supervision.md
    #: Fernet key (urlsafe base64, 32 bytes) for reporters' and declarants' phones, names and ID numbers at
    #: rest; without it the service refuses to start unless on one machine (BACKSTOP_ENV=dev)
    supervision_key: str | None = None
    #: registry (member match of a declaration) and notifications (its SMS provider), called with a system token
    registry_url: str = Field("http://127.0.0.1:8001", validation_alias=AliasChoices("REGISTRY_URL", "registry_url"))
    notifications_url: str = Field("http://127.0.0.1:8004",
                                   validation_alias=AliasChoices("NOTIFICATIONS_URL", "notifications_url"))
    internal_timeout_s: float = 5.0
    #: how often missed report and verification deadlines are looked for (an indexed query; cheap)
    supervision_sweep_interval_s: float = 5.0
    #: how often the SMS queue (one-time codes, declines) is handed to notifications
    sms_interval_s: float = 1.0

    def secret_problem(self) -> str | None:
        """Beyond the JWT secret: outside dev, no start without a usable supervision key (docs/supervision.md)."""
        problem = super().secret_problem()
        if problem or self.backstop_env == DEV:
            return problem
        if not self.supervision_key:
            return "MONITORING_SUPERVISION_KEY is missing: reporters' and declarants' data could not be encrypted"
        from cryptography.fernet import Fernet

        try:
            Fernet(self.supervision_key.encode())
        except ValueError:
            return "MONITORING_SUPERVISION_KEY is not a Fernet key (32 url-safe base64-encoded bytes)"
        return None
