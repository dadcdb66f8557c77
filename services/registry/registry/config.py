"""Settings of the registry service: ``REGISTRY_*`` variables on the shared base."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from backstop_common.settings import OFF_CHAIN_FETCH_MIN_BYTES, ServiceSettings, database_url_field


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", populate_by_name=True)

    service_name: str = "registry"
    database_url: str = database_url_field("REGISTRY_", "postgresql://postgres@127.0.0.1:5432/registry")
    #: connections kept open: a connection beyond the pool (SQLAlchemy's overflow) is closed when it is given back,
    #: so 16 concurrent clients on the shared default of 10 opened and closed a PostgreSQL connection (a backend
    #: forked, every statement prepared afresh) on a third of their requests (bench/RESULTS.md, issue 18)
    db_pool_size: int = 20
    #: the least time between the starts of two relay rounds (ServiceSettings, outbox.py; the others' 10). Every chain
    #: starts with the registry's stream, and the chain's cost is per round, not per event — a round is a produce, a
    #: batch in the broker's log, a fetch with records and a transaction in each consumer. Session 10, 200 writes/s:
    #: 20 ms against 10, the stack's CPU a write 6.4–6.8 ms against 8.3 and write → case p50 18.2–20.2 against 20.2
    #: on a fresh stack; after make bench's earlier stages 23.1 against 30.0–31.2. The price at 50 writes/s: p50
    #: 17.6 ms against 6.5 (a write waits for the gap more often than at 10 ms)
    outbox_round_gap_ms: float = 20.0
    #: the registry follows monitoring's case decisions (a household's status), which no one waits on to the
    #: millisecond: its fetches wait 100 ms while records flow (ServiceSettings; session 10, as funds)
    consumer_fetch_wait_min_ms: int = 100
    #: and the broker holds each of them that long unless 64 KiB gathered
    consumer_fetch_min_bytes: int = OFF_CHAIN_FETCH_MIN_BYTES
    #: income writes under way at once on the hot routes (``api/hot.INCOMES``, ``hot.Gathered``): one that finds
    #: this many waits, and whoever ends writes every one waiting in one transaction (``income.assess_together``)
    #: — so under a stream the writes gather, not only once every hot connection is taken (the pool's size)
    hot_income_writers: int = Field(default=2, ge=1)
    #: the fewest waiting income writes written together (fewer: one after another alone). Two already cost less
    #: together (one transaction, one write statement: ``records.record_batch``) than alone, 1.27 against 1.43 ms
    #: of the registry's and PostgreSQL's CPU a write (bench/RESULTS.md, session 22)
    hot_income_together_least: int = Field(default=2, ge=2)
    #: national exports of a whole county run to ~60 MB (CSV) for 100,000 households
    max_body_bytes: int = 210 * 1024 * 1024
    #: the access log of unmasked reads is kept at least three years (PIPL arts. 55–56); a county may keep longer
    access_log_retention_years: int = Field(default=3, ge=3, le=100)
    access_log_purge_interval_s: float = 24 * 3600
    #: household exports building at once (each a process of its own, ~1 CPU for seconds); more → 429
    max_concurrent_exports: int = 2
    #: what a refused export is told to wait (a county's export takes about this long)
    export_retry_after_seconds: int = 15
