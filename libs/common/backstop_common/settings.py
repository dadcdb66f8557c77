"""Settings from the environment, one `Settings` per service on this shared base.

Each service sets its own ``env_prefix`` (``REGISTRY_``, ``MONITORING_`` ...) so one machine can hold
all four; ``DATABASE_URL`` falls back to the unprefixed name, and the broker and JWT settings are
shared by every service (``KAFKA_BOOTSTRAP_SERVERS``, ``JWT_SECRET`` ...).

Secrets have no default outside the one-machine mode: with ``BACKSTOP_ENV=dev`` (what ``backstop up``,
``backstop token`` and the tests use) a missing ``JWT_SECRET`` falls back to the dev secret; anywhere
else a service refuses to start without a real secret or the identity provider's public key.
"""

import os

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV = "dev"
DEV_JWT_SECRET = "backstop-dev-secret-change-me-in-production"
#: secrets that appear in our docs, examples or common defaults: never accepted outside dev
KNOWN_WEAK_SECRETS = frozenset({DEV_JWT_SECRET, "change-me", "changeme", "secret", "backstop", "password"})
#: RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits)
MIN_SECRET_BYTES = 32


#: what a service off the chain someone waits on (funds, notifications and the registry's consumer) asks the broker
#: to gather for a fetch within its fetch wait (``consumer_fetch_min_bytes``): under a stream a fetch a tenth of a
#: second, not one for every record or two (session 17, at 200 writes/s: notifications' CPU a write 1.41–1.47 →
#: 1.13–1.26 ms, funds' 0.23–0.24 → 0.16–0.18; bench/RESULTS.md)
OFF_CHAIN_FETCH_MIN_BYTES = 64 * 1024


def _shared(name: str, default):
    return Field(default, validation_alias=AliasChoices(name, name.lower()))


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "backstop"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/backstop"
    db_pool_size: int = 10
    db_hot_pool_size: int = 10  # asyncpg connections of a service's hot routes (hot.py), beside the ORM's pool

    kafka_bootstrap_servers: str = _shared("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    # Tansu answers UnknownError to the idempotent producer: on for real Kafka only.
    kafka_enable_idempotence: bool = _shared("KAFKA_ENABLE_IDEMPOTENCE", False)
    kafka_send_timeout_s: float = _shared("KAFKA_SEND_TIMEOUT_S", 5.0)
    #: the producer's batch a partition (aiokafka's default 16): a relay round of 500 imported households (~0.8 MB)
    #: is a few produce requests instead of ~50 one after another (docs/scaling.md); under Kafka's 1 MB a batch
    kafka_producer_batch_kb: int = _shared("KAFKA_PRODUCER_BATCH_KB", 256)
    #: how long the broker may hold a fetch while records flow; Tansu answers a waiting fetch late, so each hop pays
    #: part of it. 20: session 9 tried 10 (a bare hop ~4.5 → ~2.8 ms), but the whole chain at 200 writes/s was no
    #: faster — write → case p50 46.2–46.7 ms at 10, 41.0–43.1 at 20, same code, same minutes (bench/RESULTS.md).
    #: On Kafka, which answers as soon as a record is there, 500
    kafka_fetch_max_wait_ms: int = _shared("KAFKA_FETCH_MAX_WAIT_MS", 20)
    #: the fetch wait once a consumer has had no record for ``consumer_idle_after_s`` (consumer._FetchWait): at rest
    #: 5 fetches a second a consumer instead of 50–100 — the price, the first record after a quiet spell waits up to
    #: this long at each hop. On Kafka 500 (= the flowing wait: off)
    kafka_fetch_idle_wait_ms: int = _shared("KAFKA_FETCH_IDLE_WAIT_MS", 200)
    #: `backstop topics`: 3 on a production Kafka cluster, 1 on a single broker
    kafka_replication_factor: int = _shared("KAFKA_REPLICATION_FACTOR", 1)
    kafka_partitions: int = _shared("KAFKA_PARTITIONS", 6)

    #: ``dev`` on one machine; anything else (the default) refuses missing or weak secrets
    backstop_env: str = _shared("BACKSTOP_ENV", "production")
    jwt_secret: str | None = _shared("JWT_SECRET", None)
    jwt_public_key: str | None = _shared("JWT_PUBLIC_KEY", None)
    jwt_algorithm: str = _shared("JWT_ALGORITHM", "HS256")
    jwt_issuer: str = _shared("JWT_ISSUER", "backstop-dev")

    log_level: str = _shared("LOG_LEVEL", "INFO")
    log_json: bool = _shared("LOG_JSON", True)

    outbox_poll_interval_s: float = 1.0
    outbox_batch_size: int = 500
    #: the least time between the starts of two relay rounds: a lone event goes at once, a stream of commits
    #: is published in rounds of what gathered meanwhile (outbox.py)
    outbox_round_gap_ms: float = 10.0
    #: sent rows are kept this long (``backstop outbox replay --since`` reaches back as far), then purged
    #: every ``outbox_purge_interval_s`` unless a consumer group may still need them (outbox.purge_sent)
    outbox_retention_days: int = 30
    outbox_purge_interval_s: float = 3600.0
    #: how often the relay looks whether the broker still holds what it published (broker_watch.py), and the
    #: consumer whether the broker is still the one its positions come from (its cluster id)
    broker_watch_interval_s: float = 2.0
    #: a consumer that has not heard from the broker for this long no longer claims to be caught up
    consumer_fresh_s: float = 5.0
    consumer_idle_after_s: float = 2.0
    #: the least this service's consumer lets the broker hold a fetch while records flow (``<PREFIX>_CONSUMER_FETCH_
    #: WAIT_MIN_MS``): 0 — the shared ``KAFKA_FETCH_MAX_WAIT_MS``. A service whose events no one waits on at the end of a
    #: hop (funds' and the registry's read models: 100) fetches less often under a stream — on the one-machine broker
    #: every fetch costs its CPU, records or not (docs/scaling.md, session 10)
    consumer_fetch_wait_min_ms: int = 0
    #: how many bytes the broker gathers for this service's fetch before it answers it early (``<PREFIX>_CONSUMER_
    #: FETCH_MIN_BYTES``; it answers at the fetch wait whatever it has): 1 — at once; off the chain someone waits
    #: on, ``OFF_CHAIN_FETCH_MIN_BYTES``
    consumer_fetch_min_bytes: int = 1
    #: the least time between two offset commits of a consumer while records flow (consumer._Offsets): a quiet poll,
    #: a rebalance and a stop commit at once. Each commit is a broker round trip and CPU on both sides; one held
    #: back only brings records again after a crash, which the inbox skips
    consumer_commit_interval_ms: int = 250
    consumer_max_attempts: int = 4
    consumer_backoff_s: float = 0.2
    #: records of one fetch (all partitions, applied in one transaction: a bulk import is digested in large ones)
    #: and bytes of one partition's share of a fetch response (consumer.py). 500 and 1 MiB: at 1,000 and 4 MiB the
    #: services kept 40–60 MB more at rest after a bulk digest (bench/RESULTS.md), for no faster digest
    consumer_max_poll_records: int = 500
    consumer_fetch_bytes: int = 1024 * 1024
    #: after a burst of at least this many records, once the consumer is idle again, the memory the burst freed is
    #: handed back to the operating system (consumer.give_back_memory)
    consumer_trim_after_records: int = 200
    consumers_enabled: bool = True
    #: offline sync's tombstones (a row that left a phone's list) are kept this long, then purged every
    #: ``sync_purge_interval_s``; a phone whose cursor is older gets 410 and syncs the list again (sync.py)
    sync_tombstone_retention_days: int = 90
    sync_purge_interval_s: float = 3600.0
    #: how often expired Idempotency-Key records (older than 24 h) are deleted (idempotency.purge)
    idempotency_purge_interval_s: float = 3600.0
    #: bodies larger than this are refused with 413 before they are read (registry raises it for imports)
    max_body_bytes: int = 16 * 1024 * 1024
    # end-to-end tests move a running service's clock through POST /_ops/clock; never in production
    clock_control_enabled: bool = _shared("CLOCK_CONTROL_ENABLED", False)
    relay_enabled: bool = True
    #: browsers' origins allowed to call the API (comma-separated, e.g. ``https://app.county.gov.cn``); none when
    #: empty — a page from any other origin gets no CORS headers, its preflight a 400
    cors_origins: str = _shared("CORS_ORIGINS", "")

    @property
    def allowed_origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]

    @model_validator(mode="after")
    def _dev_secret(self):
        if self.backstop_env == DEV and not self.jwt_secret and not self.jwt_public_key:
            self.jwt_secret = DEV_JWT_SECRET
        return self

    def secret_problem(self) -> str | None:
        """Why these settings must not serve requests (None when they may)."""
        if self.backstop_env == DEV or self.jwt_public_key:
            return None
        if not self.jwt_secret:
            return "JWT_SECRET (or JWT_PUBLIC_KEY) is not set; BACKSTOP_ENV=dev allows the dev secret"
        if self.jwt_secret in KNOWN_WEAK_SECRETS or len(self.jwt_secret.encode()) < MIN_SECRET_BYTES:
            return f"JWT_SECRET is a known or short secret; use at least {MIN_SECRET_BYTES} random bytes"
        return None


def one_machine_settings() -> ServiceSettings:
    """What the host-side tools sign with (`backstop token`, seeding, the test stack): dev unless told."""
    return ServiceSettings(backstop_env=os.environ.get("BACKSTOP_ENV", DEV))


def database_url_field(prefix: str, default: str):
    """``<PREFIX>DATABASE_URL`` on a shared machine, plain ``DATABASE_URL`` in a container."""
    return Field(default, validation_alias=AliasChoices(f"{prefix}DATABASE_URL", "DATABASE_URL"))


class InsecureSettings(RuntimeError):
    """The service would accept tokens anyone can forge (here, not in ``app``: the console checks it too
    without importing the services' app factory, its database and broker layers)."""
