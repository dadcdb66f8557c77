"""Settings of the funds service: ``FUNDS_*`` variables on the shared base."""

from pydantic_settings import SettingsConfigDict

from backstop_common.settings import OFF_CHAIN_FETCH_MIN_BYTES, ServiceSettings, database_url_field


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FUNDS_", extra="ignore", populate_by_name=True)

    service_name: str = "funds"
    database_url: str = database_url_field("FUNDS_", "postgresql://postgres@127.0.0.1:5432/funds")
    #: funds' read models follow the registry's stream, but no one waits on them the moment a change is made: its
    #: fetches wait 100 ms while records flow (ServiceSettings; session 10: at 200 writes/s the broker's CPU a write
    #: −0.27 ms, funds' −0.16, write → case p50 −2.5 to −4.5 ms)
    consumer_fetch_wait_min_ms: int = 100
    #: and the broker holds each of them that long unless 64 KiB gathered
    consumer_fetch_min_bytes: int = OFF_CHAIN_FETCH_MIN_BYTES
    sweep_interval_s: float = 60.0   # how often the sweeper looks for unspent money and stuck projects
    #: public notices (no account): requests a minute per caller address, per process
    public_rate_per_minute: int = 60
