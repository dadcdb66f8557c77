"""Settings of the notifications service: ``NOTIFICATIONS_*`` variables on the shared base."""

from pydantic_settings import SettingsConfigDict

from backstop_common.settings import OFF_CHAIN_FETCH_MIN_BYTES, ServiceSettings, database_url_field


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore", populate_by_name=True)

    service_name: str = "notifications"
    database_url: str = database_url_field("NOTIFICATIONS_", "postgresql://postgres@127.0.0.1:5432/notifications")

    #: a message goes on to a phone through a gateway that takes seconds: 100 ms more before it is made is not felt,
    #: and fetching less often under a stream leaves the cores to the case someone waits on (ServiceSettings; session
    #: 10, at 200 writes/s: notifications' CPU a write −0.6 ms, write → case p50 21.2/21.5 ms against 24.3/25.7,
    #: write → message p50 +8 ms, p99 +30 ms; at 500/s message p99 189 against 178 ms)
    consumer_fetch_wait_min_ms: int = 100
    #: and the broker holds each of them that long unless 64 KiB gathered
    consumer_fetch_min_bytes: int = OFF_CHAIN_FETCH_MIN_BYTES
    #: local time of quiet hours and digests (docs/contract.md: counties in China)
    timezone: str = "Asia/Shanghai"

    # providers: "logging" (default, writes a log line without the address) or a real one
    sms_provider: str = "logging"  # logging | http
    sms_gateway_url: str | None = None  # JSON POST {"to","text","sign"} for the http SMS gateway
    sms_gateway_token: str | None = None
    sms_sign: str = "防返贫监测"
    email_provider: str = "logging"  # logging | smtp
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "backstop@localhost"
    group_provider: str = "logging"  # logging | wecom | dingtalk (the recipient holds the robot URL)
    provider_timeout_s: float = 5.0

    # the dispatcher (a background job; all retry state is in the database)
    dispatch_interval_s: float = 1.0
    dispatch_batch_size: int = 100
    #: batches a tick while they come full (``dispatcher.send_all_due``): up to 2,000 sends a second
    dispatch_max_batches: int = 20
    delivery_max_attempts: int = 5
    backoff_base_s: float = 30.0
    backoff_max_s: float = 3600.0

    # outbound webhooks
    webhook_timeout_s: float = 5.0
    webhook_max_attempts: int = 8
    webhook_pause_after_failures: int = 5
    webhook_backoff_base_s: float = 10.0
    webhook_backoff_max_s: float = 3600.0

    # SMS batching: beyond this many non-urgent SMS to one person in a local day, the rest wait
    # for one digest at ``digest_hour`` (local time)
    sms_digest_threshold: int = 3
    digest_hour: int = 20
