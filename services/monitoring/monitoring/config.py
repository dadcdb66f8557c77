"""Settings of the monitoring service: ``MONITORING_*`` variables on the shared base."""

from pydantic_settings import SettingsConfigDict

from backstop_common.settings import ServiceSettings, database_url_field


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MONITORING_", extra="ignore", populate_by_name=True)

    service_name: str = "monitoring"
    database_url: str = database_url_field("MONITORING_", "postgresql://postgres@127.0.0.1:5432/monitoring")
    #: how often the deadline sweeper looks for missed steps (case.overdue)
    sweep_interval_s: float = 60.0
    sweeper_enabled: bool = True
