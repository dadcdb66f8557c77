"""Settings of the registry service: ``REGISTRY_*`` variables on the shared base."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from backstop_common.settings import ServiceSettings, database_url_field


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", populate_by_name=True)

    service_name: str = "registry"
    database_url: str = database_url_field("REGISTRY_", "postgresql://postgres@127.0.0.1:5432/registry")
    #: connections kept open: a connection beyond the pool (SQLAlchemy's overflow) is closed when it is given back,
    #: so 16 concurrent clients on the shared default of 10 opened and closed a PostgreSQL connection (a backend
    #: forked, every statement prepared afresh) on a third of their requests (bench/RESULTS.md, issue 18)
    db_pool_size: int = 20
    #: the registry follows monitoring's case decisions (a household's status), which no one waits on to the
    #: millisecond: its fetches wait 100 ms while records flow (ServiceSettings; session 10, as funds)
    consumer_fetch_wait_min_ms: int = 100
    #: national exports of a whole county run to ~60 MB (CSV) for 100,000 households
    max_body_bytes: int = 210 * 1024 * 1024
    #: the access log of unmasked reads is kept at least three years (PIPL arts. 55–56); a county may keep longer
    access_log_retention_years: int = Field(default=3, ge=3, le=100)
    access_log_purge_interval_s: float = 24 * 3600
    #: household exports building at once (each a process of its own, ~1 CPU for seconds); more → 429
    max_concurrent_exports: int = 2
    #: what a refused export is told to wait (a county's export takes about this long)
    export_retry_after_seconds: int = 15
