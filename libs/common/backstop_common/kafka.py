"""An aiokafka producer that is never allowed to hang: every call is bounded by a timeout.

aiokafka can block in ``start``/``send_and_wait``/``stop`` while the broker is down; on any failure the
producer is dropped and rebuilt on the next call, so a broker outage costs retries, not a stuck task.
"""

import asyncio
import contextlib

import structlog
from aiokafka import AIOKafkaClient, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from aiokafka.structs import RecordMetadata

from backstop_common.settings import ServiceSettings

log = structlog.get_logger()


#: stops left to finish on their own (a reference each, so the loop does not drop them half-way)
_LEFT_BEHIND: set[asyncio.Future] = set()


async def within(awaitable, seconds: float, *, cancel: bool = True):
    """``awaitable``'s result if it ends within ``seconds``; else TimeoutError — ``asyncio.wait_for`` would wait
    for a cancelled task to finish, and aiokafka's ``stop`` awaits its group coordinator's task, which can go on
    looking for a coordinator that is gone (aiokafka #659): session 8's CI saw a consumer hang there for good,
    and a producer's stop hung the same way would hold the relay (and its lock) for good.

    ``cancel=False`` (a stop) lets the late task go on to its end in the background instead of cancelling it. A
    cancelled ``stop`` is worse than a slow one: its coordinator's task swallows the cancellation, finishes the
    group join it was in, starts heartbeating — and nothing stops it again; the group then keeps partitions
    assigned to a consumer nobody reads (libs/common/tests/test_consumer_group.py). Left alone, the stop ends the
    join, stops its heartbeat and leaves the group, and the partitions come to the consumer that replaced it."""
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        if cancel:
            task.cancel()
        raise
    if done:
        return task.result()
    if cancel:
        task.cancel()
    else:
        _LEFT_BEHIND.add(task)
        task.add_done_callback(_ended_late)
    raise asyncio.TimeoutError


def _ended_late(task: asyncio.Future) -> None:
    _LEFT_BEHIND.discard(task)
    failed = None if task.cancelled() else task.exception()
    log.info("kafka.stopped_late", error=repr(failed)[:200] if failed else None)


class BrokerUnavailable(Exception):
    """The broker did not answer within the configured time."""


class Publisher:
    def __init__(self, settings: ServiceSettings):
        self._settings = settings
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    @property
    def timeout(self) -> float:
        return self._settings.kafka_send_timeout_s

    async def _ensure(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self._settings.kafka_bootstrap_servers,
                    acks="all",
                    enable_idempotence=self._settings.kafka_enable_idempotence,
                    request_timeout_ms=int(self.timeout * 1000),
                    linger_ms=0,
                    max_batch_size=self._settings.kafka_producer_batch_kb * 1024,
                )
                try:
                    await within(producer.start(), self.timeout)
                except (Exception, asyncio.TimeoutError) as exc:
                    await self._stop(producer)
                    raise BrokerUnavailable(str(exc) or type(exc).__name__) from exc
                self._producer = producer
            return self._producer

    async def send_many(self, records: list[tuple[str, bytes, bytes, list]]) -> list[RecordMetadata]:
        """Send (topic, key, value, headers) records in order and wait for every ack (acks=all).

        Returns where each record went (topic, partition, offset), in the order given."""
        producer = await self._ensure()

        async def enqueue() -> list[asyncio.Future]:
            return [await producer.send(topic, value=value, key=key, headers=headers)
                    for topic, key, value, headers in records]

        try:
            # one timeout for handing the batch over, one for its acks: a bound per record was a task
            # per record (Python 3.11), as much CPU as the send itself
            futures = await within(enqueue(), self.timeout)
            return await within(asyncio.gather(*futures), self.timeout)
        except (Exception, asyncio.TimeoutError) as exc:
            await self.reset()
            raise BrokerUnavailable(str(exc) or type(exc).__name__) from exc

    async def reset(self) -> None:
        async with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            await self._stop(producer)

    async def _stop(self, producer: AIOKafkaProducer) -> None:
        with contextlib.suppress(Exception, asyncio.TimeoutError):
            await within(producer.stop(), self.timeout, cancel=False)

    async def close(self) -> None:
        await self.reset()


class TopicsNotCreated(Exception):
    """The broker refused to create some topics (it answers per topic instead of failing the call)."""


async def ensure_topics(bootstrap: str, topics: list[str], partitions: int = 3, replication: int = 1) -> list[str]:
    """Create the topics if missing (brokers here do not auto-create them); returns those created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await within(admin.start(), 10)
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(t, partitions, replication) for t in topics if t not in existing]
        if missing:
            _raise_topic_errors(await admin.create_topics(missing))
        return [t.name for t in missing]
    finally:
        await admin.close()


def _raise_topic_errors(response) -> None:
    """aiokafka reports refusals as error codes in the response; a topic created meanwhile is fine."""
    failures = []
    for topic, code, *rest in response.topic_errors:
        if code and for_code(code) is not TopicAlreadyExistsError:
            failures.append(f"{topic}: {for_code(code).__name__} {rest[0] if rest else ''}".strip())
    if failures:
        raise TopicsNotCreated("; ".join(failures))


async def broker_answers_metadata(bootstrap: str, timeout: float = 2.0) -> bool:
    """Readiness: a broker answered a metadata request and named at least one broker (an open port that
    is not Kafka, or a broker still starting, does not count)."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        await within(client.bootstrap(), timeout)
        return bool(client.cluster.brokers())
    except (Exception, asyncio.TimeoutError):
        return False
    finally:
        with contextlib.suppress(Exception, asyncio.TimeoutError):
            await within(client.close(), timeout)
