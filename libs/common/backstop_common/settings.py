"""Settings from the environment, one `Settings` per service on this shared base.

Each service sets its own ``env_prefix`` (``REGISTRY_``, ``MONITORING_`` ...) so one machine can hold
all four; ``DATABASE_URL`` falls back to the unprefixed name, and the broker and JWT settings are
shared by every service (``KAFKA_BOOTSTRAP_SERVERS``, ``JWT_SECRET`` ...).
"""

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _shared(name: str, default):
    return Field(default, validation_alias=AliasChoices(name, name.lower()))


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "backstop"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/backstop"
    db_pool_size: int = 10

    kafka_bootstrap_servers: str = _shared("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    # Tansu answers UnknownError to the idempotent producer: on for real Kafka only.
    kafka_enable_idempotence: bool = _shared("KAFKA_ENABLE_IDEMPOTENCE", False)
    kafka_send_timeout_s: float = _shared("KAFKA_SEND_TIMEOUT_S", 5.0)
    kafka_fetch_max_wait_ms: int = _shared("KAFKA_FETCH_MAX_WAIT_MS", 20)

    jwt_secret: str = _shared("JWT_SECRET", "backstop-dev-secret-change-me-in-production")
    jwt_public_key: str | None = _shared("JWT_PUBLIC_KEY", None)
    jwt_algorithm: str = _shared("JWT_ALGORITHM", "HS256")
    jwt_issuer: str = _shared("JWT_ISSUER", "backstop-dev")

    log_level: str = _shared("LOG_LEVEL", "INFO")
    log_json: bool = _shared("LOG_JSON", True)

    outbox_poll_interval_s: float = 1.0
    outbox_batch_size: int = 500
    outbox_retention_days: int = 30
    consumer_max_attempts: int = 4
    consumer_backoff_s: float = 0.2
    consumers_enabled: bool = True
    #: bodies larger than this are refused with 413 before they are read (registry raises it for imports)
    max_body_bytes: int = 16 * 1024 * 1024
    # end-to-end tests move a running service's clock through POST /_ops/clock; never in production
    clock_control_enabled: bool = _shared("CLOCK_CONTROL_ENABLED", False)
    relay_enabled: bool = True


def database_url_field(prefix: str, default: str):
    """``<PREFIX>DATABASE_URL`` on a shared machine, plain ``DATABASE_URL`` in a container."""
    return Field(default, validation_alias=AliasChoices(f"{prefix}DATABASE_URL", "DATABASE_URL"))
