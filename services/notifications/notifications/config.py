"""Settings of the notifications service: ``NOTIFICATIONS_*`` variables on the shared base."""

from pydantic_settings import SettingsConfigDict

from backstop_common.settings import ServiceSettings, database_url_field


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore", populate_by_name=True)

    service_name: str = "notifications"
    database_url: str = database_url_field("NOTIFICATIONS_", "postgresql://postgres@127.0.0.1:5432/notifications")
