"""The idempotent consumer: at-least-once on the wire, exactly-once in effect.

Each record is applied in one transaction with its inbox row (event id + consumer name), so a
redelivered event finds its row and changes nothing. Offsets are committed only after that
transaction. A handler error is retried with backoff a bounded number of times, then the record goes
to ``<topic>.dlq`` with the error and the partition moves on.

A handler receives the event's ``data`` parsed into the payload model its publisher registered for that ce
type (``backstop_events``; ``EventCatalog.consumed_models``): ``handler(event, data, uow)``. A record whose
data does not fit its model is dead-lettered at once (retrying cannot fix it); a type the service has no
handler for (another event, an older or newer version) is skipped, as before. A database outage is not the record's
fault: it is retried until the database is back, never dead-lettered.

Bulk (issue 18): the records of one fetch — every partition's, each partition's in order — are applied in ONE
transaction, their inbox rows claimed by one statement, their offsets committed by one request (under a stream at
most every ``consumer_commit_interval_ms``). A service may also give a *batch handler* for a type
(``batch_handlers``): consecutive records of that type in a fetch are then handed to it together, as a list of
(event, payload) in partition order holding at most one record per key (a household's second event starts the
next list), so it can apply them with a few set-based statements. The per-event handler stays the one-at-a-time
fallback: if anything in the fetch fails, nothing of it is kept and each record is applied alone, with retries and
the DLQ.

A service whose batch handler keeps the order itself may give it as the *fetch handler* instead
(``fetch_handler``): it is handed the whole fetch at once — every type it handles, several events of a key,
each partition's in its order — with the same one transaction, one inbox statement and fallback. Where each
household's events alternate between types (``monitoring.case``: risk.detected, case.opened), runs of one
type would hold one event each.
"""

import asyncio
import contextlib
import ctypes
import ctypes.util
import gc
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from asgi_correlation_id import correlation_id
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import async_sessionmaker

from backstop_common.clock import Clock
from backstop_common.db import is_contention, is_unavailable, transaction_connection
from backstop_common.envelope import Event, from_kafka
from backstop_common.kafka import BrokerUnavailable, Publisher, within
from backstop_common.metrics import CONSUMER_LAG, CONSUMER_RETRIES, EVENTS_APPLIED, EVENTS_DEAD_LETTERED
from backstop_common.settings import ServiceSettings
from backstop_common.topics import dlq
from backstop_common.uow import UnitOfWork

log = structlog.get_logger()
#: how often, under a stream of fetches, the consumer asks for its partitions' positions and ends (``_observe``)
OBSERVE_EVERY_S = 0.25

#: the handler of one event type: the envelope, its ``data`` parsed into the type's payload model, the unit of
#: work it writes through (the consumer commits it with the inbox row)
Handler = Callable[[Event, Any, UnitOfWork], Awaitable[None]]
#: the handler of a run of one type's events: (envelope, parsed data) each, in partition order, at most one per
#: key; it must leave the same effects as the type's ``Handler`` applied to each in turn
BatchHandler = Callable[[list[tuple[Event, Any]], UnitOfWork], Awaitable[None]]
#: the handler of a whole fetch: the same call, but handed every record of the fetch that has a handler — mixed
#: types, several per key, each partition's in order — the same effects as the ``Handler``s in turn
FetchHandler = BatchHandler

#: inbox rows of many records in one statement, on asyncpg's own connection (through SQLAlchemy's execution path the
#: claim cost as much CPU again as the statement, bench/RESULTS.md, session 17), the consumer's name one parameter;
#: answers the ids not applied before (a redelivery is absent)
CLAIM_MANY = """
INSERT INTO inbox (event_id, consumer, type, topic, partition, "offset")
SELECT e, $2::text, t, tp, p, o
  FROM unnest($1::uuid[], $3::text[], $4::text[], $5::int[], $6::bigint[]) AS v(e, t, tp, p, o)
ON CONFLICT DO NOTHING
RETURNING event_id
"""


@contextlib.contextmanager
def _correlated(event: Event):
    """Logs and published events carry the correlation id of the event being handled."""
    token = correlation_id.set(event.correlation_id or str(event.id))
    try:
        yield
    finally:
        correlation_id.reset(token)


def _log_applied(applied: list[Event]) -> None:
    """A batch's applied events: one line for each event type and correlation id, under that id — a request's
    trail still runs through every service's log, but a bulk import's 500 registrations a fetch (one request) are
    one line, not 500: a line an event was a fifth of monitoring's CPU digesting an import (bench/RESULTS.md,
    session 16). A lone event's line names it, as the one-at-a-time path does."""
    groups: dict[tuple[str, str], list[Event]] = {}
    for event in applied:
        groups.setdefault((event.type, event.correlation_id or str(event.id)), []).append(event)
    for (event_type, _), events in groups.items():
        EVENTS_APPLIED.labels(event_type, "applied").inc(len(events))
        first = events[0]
        with _correlated(first):
            if len(events) == 1:
                log.info("event.applied", event_type=event_type, event_id=str(first.id), subject=first.subject)
            else:
                log.info("events.applied", event_type=event_type, events=len(events))


@dataclass
class PartitionPosition:
    """How far this consumer has got in one partition, as of its last word from the broker."""

    topic: str
    partition: int
    position: int | None
    end: int | None
    heard_at: float | None  # epoch seconds of the broker's last answer for this partition

    @property
    def lag(self) -> int | None:
        return None if self.position is None or self.end is None else max(self.end - self.position, 0)


class Positions:
    """What a service may say of its read models: caught up with a topic, or possibly behind it.

    Caught up means: the consumer holds every partition of the topic it was given, has applied up to the
    end the broker last reported, and heard from the broker within ``fresh_s`` seconds. Anything else
    (not started, rebalancing, lagging, broker silent) is "may be behind" (docs/architecture.md).
    """

    def __init__(self, topics: list[str], fresh_s: float):
        self.topics = topics
        self._fresh_s = fresh_s
        self.partitions: dict[TopicPartition, PartitionPosition] = {}

    def forget(self) -> None:
        self.partitions = {}

    def receiving(self, batches: dict[TopicPartition, list]) -> None:
        """Records fetched but not applied yet: until they are, their partitions are behind."""
        for tp, records in batches.items():
            known = self.partitions.get(tp)
            end = max(records[-1].offset + 1, known.end or 0) if known else records[-1].offset + 1
            self.partitions[tp] = PartitionPosition(tp.topic, tp.partition, records[0].offset, end,
                                                    known.heard_at if known else None)

    def applied(self, batches: dict[TopicPartition, list]) -> None:
        """Records applied (their transaction committed; their offsets on the way to the broker, ``_Offsets``):
        their partitions are that far."""
        for tp, records in batches.items():
            known = self.partitions.get(tp)
            if known is not None:
                known.position = max(known.position or 0, records[-1].offset + 1)

    def _of(self, topic: str | None) -> list[PartitionPosition]:
        return [p for p in self.partitions.values() if topic is None or p.topic == topic]

    def lag(self, topic: str | None = None) -> int | None:
        lags = [p.lag for p in self._of(topic)]
        return None if not lags or None in lags else sum(lags)

    def caught_up(self, topic: str | None = None) -> bool:
        now = time.time()
        wanted = [topic] if topic else self.topics
        return all(self._of(t) for t in wanted) and self.lag(topic) == 0 and all(
            p.heard_at is not None and now - p.heard_at <= self._fresh_s for p in self._of(topic))

    def snapshot(self) -> "Positions":
        """These positions as they are now: a copy the consumer's loop does not move on."""
        copy = Positions(self.topics, self._fresh_s)
        copy.partitions = {tp: replace(p) for tp, p in self.partitions.items()}
        return copy

    def against(self, ends: dict[TopicPartition, int] | None) -> "Positions":
        """These positions against ends asked of the broker just now (None: it did not answer — nothing can
        be vouched for, every partition's end unknown)."""
        fresh = Positions(self.topics, self._fresh_s)
        for tp, p in self.partitions.items():
            end = None if ends is None or tp not in ends or p.end is None else max(p.end, ends[tp])
            fresh.partitions[tp] = PartitionPosition(p.topic, p.partition, p.position, end, p.heard_at)
        return fresh

    def as_dict(self) -> dict:
        return {"topics": self.topics, "caught_up": self.caught_up(), "lag": self.lag(),
                "partitions": [{"topic": p.topic, "partition": p.partition, "position": p.position,
                                "end": p.end, "lag": p.lag} for p in sorted(
                                    self.partitions.values(), key=lambda p: (p.topic, p.partition))]}


async def _observe(consumer: AIOKafkaConsumer, positions: Positions) -> None:
    """Record, for each assigned partition, the position reached and the end the broker reported; the lag
    goes to ``backstop_consumer_lag_records`` too.

    A partition a rebalance moved to another instance stops being reported here (that one reports it)."""
    seen = {}
    for tp in consumer.assignment():
        try:
            position = await within(consumer.position(tp), 1.0)
            heard, end = consumer.last_poll_timestamp(tp), consumer.highwater(tp)
        except (KafkaError, asyncio.TimeoutError, IllegalStateError, AssertionError):  # taken by a rebalance
            continue
        seen[tp] = PartitionPosition(tp.topic, tp.partition, position, end, heard / 1000 if heard else None)
        if seen[tp].lag is not None:
            CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(seen[tp].lag)
    for gone in set(positions.partitions) - set(seen):
        with contextlib.suppress(KeyError):
            CONSUMER_LAG.remove(gone.topic, str(gone.partition))
    positions.partitions = seen


class _FetchWait:
    """How long the broker may hold a fetch: ``kafka_fetch_max_wait_ms`` while records flow, and
    ``kafka_fetch_idle_wait_ms`` once none came for ``consumer_idle_after_s`` — off when the two are equal (on by
    default since session 9: 20 / 200 ms), and then nothing is written. The one-machine broker answers a waiting fetch when the wait runs out, not
    when a record arrives, so the wait is each hop's latency floor; but at 20 ms each consumer sends ~50 empty
    fetches a second at rest (the stack 0.43 of a core doing nothing, bench/RESULTS.md, session 7).

    aiokafka takes ``fetch_max_wait_ms`` once, at construction, and builds each fetch request from its fetcher's
    copy: that private copy is the one written (a scripted consumer in the tests has none), only when it changes.

    aiokafka's fetcher sends the next fetch on its own, the moment ``getmany`` takes the buffered records — before
    the loop has applied them. So the flowing wait is set as soon as ``getmany`` returns records, before anything
    awaits (``flowing``): set at the top of the next turn instead, as a76b6fa did, the fetch already sent after the
    first records of a stream still carried the idle wait."""

    def __init__(self, consumer: AIOKafkaConsumer, settings: ServiceSettings):
        self._consumer, self._settings = consumer, settings
        self._short = max(settings.kafka_fetch_max_wait_ms, settings.consumer_fetch_wait_min_ms)
        self._long = max(settings.kafka_fetch_idle_wait_ms, self._short)
        self._set: int | None = None
        self._flowing_at = time.monotonic()

    @property
    def on(self) -> bool:
        return self._long > self._short

    def _to(self, wait_ms: int) -> None:
        fetcher = getattr(self._consumer, "_fetcher", None)
        if wait_ms != self._set and fetcher is not None:
            fetcher._fetch_max_wait_ms = self._set = wait_ms

    def before_fetch(self) -> None:
        """The idle wait once the consumer has been quiet for ``consumer_idle_after_s`` (the short one before)."""
        if self.on:
            quiet = time.monotonic() - self._flowing_at >= self._settings.consumer_idle_after_s
            self._to(self._long if quiet else self._short)

    def flowing(self) -> None:
        """Records came: the short wait, for the fetch aiokafka sends next."""
        if self.on:
            self._flowing_at = time.monotonic()
            self._to(self._short)


#: how long a consumer may take to start, and to stop before it is left running (``kafka.within``). A start waits
#: for the group's assignment, and the group waits for every member it knows: for one that stopped answering (a
#: process suspended or killed) until its session runs out — 18 s on the one-machine broker, with aiokafka's 10 s
#: session, measured. A start cut short leaves its pending member for the next start to wait on, so a bound near the
#: session never lets a start finish under load (seen: two start time-outs in a row after tests/test_faults.py's
#: broker restart — suspected, not proven, in stop 24's CI, where the chain never converged again). Well above it.
START_WITHIN_S, STOP_WITHIN_S = 30.0, 5.0
#: a turn of the poll loop that has not ended after this long is stuck: every await in it is bounded (a fetch 0.5 s,
#: a commit 10 s, a look at the broker 5–10 s, each partition's position 1 s), by ``within``, which does not wait
#: for a cancelled task as ``asyncio.wait_for`` does — session 9's CI saw notifications' loop go silent for good
#: right after a broker restart, every other task of the process alive, where the bounds were ``wait_for``'s. Which
#: await it was is not known: this is the net under all of them
STALLED_AFTER_S = 60.0


class _Offsets:
    """The applied records' offsets, committed to the broker in the background — at most every
    ``consumer_commit_interval_ms`` while records flow, and at once when a poll comes back empty, when the partitions
    are revoked (a rebalance) and when the loop ends. Each commit goes once the previous one has ended, so they reach
    the broker in order, and only after their records' transaction.

    One OffsetCommit a fetch was a broker round trip (2–3 ms of every ~16 ms turn when the loop waited for it, issue
    18, session 10) and CPU in the consumer and the broker: monitoring fetches every few records under a stream. A
    commit held back or lost (a crash, a rebalance) only brings records again, which the inbox skips."""

    def __init__(self, consumer: AIOKafkaConsumer, interval_s: float):
        self._consumer, self._interval_s = consumer, interval_s
        self._held: dict[TopicPartition, int] = {}
        self._sending: asyncio.Future | None = None
        self._sent_at = -interval_s

    def applied(self, batches: dict[TopicPartition, list]) -> None:
        self._held.update({tp: records[-1].offset + 1 for tp, records in batches.items()})

    async def commit(self, now: bool = False) -> None:
        """The held offsets sent, if ``now`` or the interval has passed since the last commit, once the previous
        commit has ended; not waited for. Only the partitions still assigned: a fetch applied while a rebalance took
        its partition would make the broker refuse the whole request."""
        if not self._held or not now and time.monotonic() - self._sent_at < self._interval_s:
            return
        if self._sending is not None:
            await self._sending
        assigned = self._consumer.assignment()
        offsets = {tp: offset for tp, offset in self._held.items() if tp in assigned}
        self._held = {}
        if offsets:
            self._sent_at = time.monotonic()
            self._sending = asyncio.ensure_future(self._commit(offsets))

    async def last(self) -> None:
        """The commit under way, then the held offsets', each waited for ``STOP_WITHIN_S`` at most."""
        for _ in range(2):
            if self._sending is not None and not self._sending.done():
                await asyncio.wait({self._sending}, timeout=STOP_WITHIN_S)
                if not self._sending.done():
                    return  # the broker does not answer: what is held comes again to whoever reads next
            await self.commit(now=True)

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        """Every partition's offset in one request."""
        try:
            await within(self._consumer.commit(offsets), 10)
        except (CommitFailedError, IllegalStateError, KafkaError, asyncio.TimeoutError) as exc:
            # a rebalance took a partition: its records come again and the inbox skips them
            log.warning("consumer.commit_failed", partitions=len(offsets), error=repr(exc)[:200])


def _libc_trim():
    """glibc's ``malloc_trim`` (None elsewhere, e.g. musl or macOS)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _libc_trim()


def give_back_memory() -> None:
    """After a burst (a bulk import's records, a backlog): collect its cycles and return the freed heap to the OS.

    A burst's working set (fetch responses of several MB, a transaction's rows and payloads) is freed when it is
    applied, but glibc keeps the pages (and, having freed a large mapped buffer, serves the next ones from its heap
    too): a service stayed 40–60 MB above its start-up size at rest. ``malloc_trim(0)`` releases every free page;
    it costs a few milliseconds, once per burst."""
    gc.collect()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a fetch is decoded and applied (restored after, if it was on).

    A fetch's records, payload models, rows and history lines are thousands of small acyclic objects; every 700 of
    them the collector walked the young objects, and now and then the whole heap: a third of a re-screen's CPU
    (bench/RESULTS.md, session 5), 30–50 % of decoding a fetch of 1,000 registrations (session 13). Reference
    counting still frees what is dropped; any cyclic garbage made meanwhile waits for the first collection after."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


_frozen = False


def freeze_start_up() -> None:
    """Once per process, at the end of the first app's start-up: the objects built so far (modules, models, routes)
    live as long as the process, so the cyclic collector is told to skip them (``gc.freeze``) and a full collection
    no longer walks them (~70 ms of CPU each for ~111,000 objects, loaded machine). Only once: a process that builds
    several apps (a test session) would otherwise freeze the earlier ones, and their cycles would never be freed."""
    global _frozen
    if not _frozen:
        gc.freeze()
        _frozen = True


class ConsumerStalled(Exception):
    """A turn of the poll loop outlived ``STALLED_AFTER_S``: the consumer is replaced (the records come again)."""


def _awaiting(task: asyncio.Future) -> list[str]:
    """Where a task is waiting, outermost first: each coroutine's file, line and function down its await chain
    (``Task.get_stack`` gives only the outermost frame of a suspended coroutine)."""
    where, coro = [], task.get_coro() if isinstance(task, asyncio.Task) else None
    while coro is not None and len(where) < 30:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            where.append(f"{frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return where


class BrokerReplaced(Exception):
    """The broker answering is not the one this consumer's positions come from (its cluster id changed)."""


class _RewindOnce(ConsumerRebalanceListener):
    """After the broker was replaced, the partitions first assigned are read from their beginning.

    The new log holds what the publishers gave again (broker_watch.py); positions or offsets carried over
    from the old log (aiokafka's, or a commit the new broker accepted from the old session) would skip
    part of it. The inbox skips what was applied before."""

    def __init__(self, owner: "EventConsumer", consumer: AIOKafkaConsumer):
        self._owner, self._consumer = owner, consumer

    async def on_partitions_revoked(self, revoked) -> None:
        """The applied records' offsets committed before the partitions go: their next holder starts after them."""
        offsets = self._owner._offsets
        if offsets is not None:
            await offsets.last()

    async def on_partitions_assigned(self, assigned) -> None:
        if self._owner.rewind and assigned:
            await self._consumer.seek_to_beginning(*assigned)
            self._owner.rewind = False
            log.warning("consumer.rewound_to_the_new_log", group=self._owner.group_id, partitions=len(assigned))


class EventConsumer:
    def __init__(
        self,
        *,
        settings: ServiceSettings,
        session_factory: async_sessionmaker,
        publisher: Publisher,
        handlers: dict[str, Handler],
        topics: list[str],
        models: dict[str, type[BaseModel]],
        group_id: str | None = None,
        on_commit: Callable[[], None] | None = None,
        clock: Clock | None = None,
        batch_handlers: dict[str, BatchHandler] | None = None,
        fetch_handler: FetchHandler | None = None,
    ):
        self._settings = settings
        self._sessions = session_factory
        self._publisher = publisher
        self._handlers = handlers
        unmodelled = sorted(set(handlers) - set(models))
        if unmodelled:  # a handler must be handed a model, never a dict (docs/CONTRIBUTING.md)
            raise ValueError(f"no payload model registered for {unmodelled}")
        self._models = models
        self._batch_handlers = batch_handlers or {}
        alone = sorted(set(self._batch_handlers) - set(handlers))
        if alone:  # the fallback applies one record at a time: a batch handler needs its per-event twin
            raise ValueError(f"batch handlers without a per-event handler: {alone}")
        if fetch_handler and self._batch_handlers:  # one way to cut a fetch, never two
            raise ValueError("a fetch handler takes every type: give it or batch handlers, not both")
        self._fetch_handler = fetch_handler
        self._topics = topics
        self.group_id = group_id or settings.service_name
        self._on_commit = on_commit
        self._clock = clock or Clock()
        self.positions = Positions(sorted(topics), settings.consumer_fresh_s)
        self.rewind = False  # read the next assignment from the beginning (the broker was replaced)
        self._cluster: str | None = None  # the id of the broker cluster the positions come from
        self._admin: AIOKafkaAdminClient | None = None
        self._looked_at = 0.0
        self._live: AIOKafkaConsumer | None = None  # the started client, for the position report's ask
        self._turned_at = 0.0  # when the poll loop last began a turn (``_watched``)
        self._offsets: _Offsets | None = None  # the poll loop's offsets not yet committed

    async def _claim(self, session, event: Event, record: ConsumerRecord) -> bool:
        """Insert the inbox row; False when this consumer has already applied the event. The batch's statement
        with one row: a text statement, not an ``insert()`` built and looked up in the compiled cache each record."""
        return bool(await self._claim_many(session, [(event, None, record)]))

    def wanted(self, record: ConsumerRecord) -> bool:
        """False for a record whose ``ce_type`` header names a type this consumer has no handler for: it is
        skipped unparsed (a consumer of a busy topic reads many types it does not handle; parsing each was up to
        a tenth of its loop). A record without that header is parsed, and dead-lettered as unparseable."""
        for name, value in record.headers:
            if name == "ce_type":
                return value.decode(errors="replace") in self._handlers
        return True

    def decode(self, record: ConsumerRecord) -> tuple[Event, BaseModel | None]:
        """The envelope and its data in the payload model registered for its type (None for a type this
        consumer skips); ``ValueError`` when either does not parse."""
        event = from_kafka(record.headers, record.key, record.value)
        if event.type not in self._handlers:
            return event, None
        model = self._models[event.type]
        try:
            return event, model.model_validate(event.data)
        except ValidationError as exc:  # the fields at fault, never their values (docs/architecture.md)
            raise ValueError(f"data is not a {model.__name__}: "
                             f"{exc.errors(include_url=False, include_input=False)}") from None

    async def _handle(self, event: Event, payload: BaseModel | None, uow: UnitOfWork) -> None:
        await self._handlers[event.type](event, payload, uow)

    async def apply(self, event: Event, payload: BaseModel | None, record: ConsumerRecord) -> bool:
        """Run the handler with its inbox row in one transaction; False if already applied."""
        async with self._sessions() as session:
            if not await self._claim(session, event, record):
                return False
            uow = UnitOfWork(session, self._settings.service_name, self._on_commit, clock=self._clock)
            await self._handle(event, payload, uow)
            await uow.commit()
            return True

    async def _claim_many(self, session, items: list[tuple[Event, BaseModel | None, ConsumerRecord]]) -> set:
        """Inbox rows of all ``items`` in one statement; the ids of those not applied before."""
        driver = await transaction_connection(session)
        rows = await driver.fetch(CLAIM_MANY, [e.id for e, _, _ in items], self.group_id, [e.type for e, _, _ in items],
                                  [r.topic for _, _, r in items], [r.partition for _, _, r in items],
                                  [r.offset for _, _, r in items])
        return {row[0] for row in rows}

    def _whole(self, event_type: str) -> bool:
        """Whether a record of this type goes to a batch or the fetch handler, as a fetch's only record too: a stream
        of single writes hands a consumer one record a fetch whenever it keeps up, and monitoring's per-event
        handlers read and write through the ORM — an income assessment 8.2–9.0 ms of CPU alone against 2.5–2.8 as a
        batch of one (bench/RESULTS.md, session 22). A lone record of a type with only a per-event handler is
        applied alone, as before."""
        return self._fetch_handler is not None or event_type in self._batch_handlers

    def runs(self, items: list[tuple[Event, BaseModel | None, ConsumerRecord]]) -> list[list]:
        """``items`` cut into runs applied in turn: consecutive records of a type with a batch handler form one
        run until a key repeats (so a run holds one event per household); any other record is a run alone.
        With a fetch handler, the whole fetch is one run."""
        if self._fetch_handler:
            return [items] if items else []
        runs: list[list] = []
        keys: set = set()
        for item in items:
            event, _, record = item
            batched = event.type in self._batch_handlers
            if (batched and runs and runs[-1][0][0].type == event.type and record.key not in keys):
                runs[-1].append(item)
                keys.add(record.key)
                continue
            runs.append([item])
            keys = {record.key} if batched else set()
        return runs

    async def _apply_run(self, run: list, uow: UnitOfWork) -> None:
        event = run[0][0]
        whole = self._fetch_handler or self._batch_handlers.get(event.type)
        if whole:
            with _correlated(event):
                await whole([(e, p) for e, p, _ in run], uow)
            return
        with _correlated(event):
            await self._handle(event, run[0][1], uow)

    async def apply_batch(self, items: list[tuple[Event, BaseModel | None, ConsumerRecord]]) -> bool:
        """A fetch's records in ONE transaction (one commit instead of one per record), their inbox rows
        claimed by one statement, runs of a batch-handled type handed to its batch handler.

        All or nothing: if any handler fails, nothing is kept and the caller falls back to one record at
        a time, with retries and the DLQ for the record at fault.
        """
        applied: list[Event] = []
        try:
            async with self._sessions() as session:
                uow = UnitOfWork(session, self._settings.service_name, self._on_commit, clock=self._clock)
                fresh = await self._claim_many(session, items)
                # a record fetched twice in one batch is applied once (its first place)
                todo, seen, skipped = [], set(), []
                for item in items:
                    if item[0].id in fresh and item[0].id not in seen:
                        todo.append(item)
                        seen.add(item[0].id)
                    else:
                        skipped.append(item[0])
                for run in self.runs(todo):
                    await self._apply_run(run, uow)
                    applied += [e for e, _, _ in run]
                await uow.commit()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.info("consumer.batch_fallback", records=len(items), error=repr(exc)[:200])
            return False
        _log_applied(applied)
        for event in skipped:  # redelivered: counted as the one-at-a-time path counts them
            EVENTS_APPLIED.labels(event.type, "duplicate").inc()
        return True

    async def handle_record(self, record: ConsumerRecord) -> None:
        if not self.wanted(record):
            return
        try:
            event, payload = self.decode(record)
        except ValueError as exc:
            await self._dead_letter(record, f"unparseable: {exc}")
            return
        await self._handle_decoded(event, payload, record)

    async def _handle_decoded(self, event: Event, payload: BaseModel | None, record: ConsumerRecord) -> None:
        if event.type not in self._handlers:
            return
        with _correlated(event):
            await self._apply_with_retries(event, payload, record)

    async def _apply_with_retries(self, event: Event, payload: BaseModel | None, record: ConsumerRecord) -> None:
        attempt, delay = 0, self._settings.consumer_backoff_s
        while True:
            try:
                applied = await self.apply(event, payload, record)
                EVENTS_APPLIED.labels(event.type, "applied" if applied else "duplicate").inc()
                log.info("event.applied" if applied else "event.duplicate_skipped",
                         event_type=event.type, event_id=str(event.id), subject=event.subject)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_unavailable(exc) or is_contention(exc):
                    CONSUMER_RETRIES.labels(record.topic, "infrastructure").inc()
                    log.warning("event.infrastructure_retry", event_id=str(event.id), error=str(exc)[:200])
                    await asyncio.sleep(min(delay, 5.0))
                    delay = min(delay * 2, 5.0)
                    continue
                attempt += 1
                log.warning("event.handler_failed", event_type=event.type, event_id=str(event.id),
                            attempt=attempt, error=repr(exc)[:300])
                if attempt >= self._settings.consumer_max_attempts:
                    await self._dead_letter(record, repr(exc))
                    return
                CONSUMER_RETRIES.labels(record.topic, "handler").inc()
                await asyncio.sleep(delay)
                delay *= 2

    async def _dead_letter(self, record: ConsumerRecord, error: str) -> None:
        headers = list(record.headers) + [
            ("backstop-error", error[:1000].encode()),
            ("backstop-consumer", self.group_id.encode()),
            ("backstop-origin", f"{record.topic}/{record.partition}/{record.offset}".encode()),
        ]
        while True:  # a DLQ record must not be lost either: hold the partition until it is written
            try:
                await self._publisher.send_many([(dlq(record.topic), record.key or b"", record.value or b"", headers)])
                break
            except BrokerUnavailable as exc:
                log.warning("event.dlq_retry", error=str(exc)[:200])
                await asyncio.sleep(1.0)
        EVENTS_DEAD_LETTERED.labels(record.topic).inc()
        log.error("event.dead_lettered", topic=record.topic, partition=record.partition,
                  offset=record.offset, error=error[:300])

    def _new_consumer(self) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # a bulk import's records come in large fetches, each applied in one transaction
            max_poll_records=self._settings.consumer_max_poll_records,
            max_partition_fetch_bytes=self._settings.consumer_fetch_bytes,
            # a fetch waits at most this long for new records: the floor of every hop's latency
            fetch_max_wait_ms=self._settings.kafka_fetch_max_wait_ms,
            fetch_min_bytes=self._settings.consumer_fetch_min_bytes,
        )
        consumer.subscribe(self._topics, listener=_RewindOnce(self, consumer))
        return consumer

    async def _same_broker(self) -> None:
        """Every ``broker_watch_interval_s``: raise BrokerReplaced if the cluster id changed.

        The one-machine broker starts with a new cluster id each time (its log is in memory), so a new id
        means a new, empty log that the publishers are filling again."""
        if time.monotonic() - self._looked_at < self._settings.broker_watch_interval_s:
            return
        try:
            if self._admin is None:
                self._admin = AIOKafkaAdminClient(bootstrap_servers=self._settings.kafka_bootstrap_servers,
                                                  request_timeout_ms=5000)
                await within(self._admin.start(), 5)
            cluster = (await within(self._admin.describe_cluster(), 5)).get("cluster_id")
        except (Exception, asyncio.TimeoutError):  # the broker away: the next look will tell
            await self._close_admin()
            return
        self._looked_at = time.monotonic()
        if self._cluster is not None and cluster and cluster != self._cluster:
            self._cluster, self.rewind = cluster, True
            raise BrokerReplaced(cluster)
        self._cluster = self._cluster or cluster

    async def _close_admin(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            with contextlib.suppress(Exception, asyncio.TimeoutError):
                await within(admin.close(), STOP_WITHIN_S, cancel=False)

    async def run(self) -> None:
        while True:
            consumer = self._new_consumer()
            try:
                await within(consumer.start(), START_WITHIN_S)
                self._live = consumer
                log.info("consumer.started", group=self.group_id, topics=self._topics)
                await self._watched(consumer)
            except asyncio.CancelledError:
                await self._close_admin()
                raise
            except BrokerReplaced as exc:
                log.warning("consumer.broker_replaced", group=self.group_id, cluster_id=str(exc))
            except (KafkaError, asyncio.TimeoutError, OSError, ConsumerStalled) as exc:
                log.warning("consumer.restarting", error=repr(exc)[:200])
                await asyncio.sleep(1.0)
            finally:
                self._live = None
                self.positions.forget()
                try:
                    await within(consumer.stop(), STOP_WITHIN_S, cancel=False)
                except (Exception, asyncio.TimeoutError):
                    log.warning("consumer.stop_left_running", group=self.group_id)

    async def positions_now(self, seen: Positions | None = None) -> Positions:
        """The positions (``seen``: as they were at a moment of the caller's, e.g. before it read its read model)
        against the partitions' ends asked of the broker now (one request).

        The ends the loop records come with its fetches — as old as a fetch's wait, and looked at most every
        OBSERVE_EVERY_S while records flow: a waiter reading them just after a publish could be told "caught up"
        before the record had arrived (``wait_until_digested`` returned early in a CI run of session 6; a read
        model's miss answered 404 for a household registered a moment before, session 9's CI)."""
        seen = seen or self.positions.snapshot()
        live, assigned = self._live, list(seen.partitions)
        ends = None
        if live is not None and assigned:
            with contextlib.suppress(KafkaError, asyncio.TimeoutError, IllegalStateError, AssertionError):
                ends = await within(live.end_offsets(assigned), 2.0)
        return seen.against(ends)

    async def report(self) -> dict:
        """The position ``/_ops/position`` reports (``positions_now``)."""
        return (await self.positions_now()).as_dict()

    async def _watched(self, consumer: AIOKafkaConsumer) -> None:
        """``_poll``, replaced by a new consumer if one of its turns gets stuck (``STALLED_AFTER_S``): where it
        waited is logged (``consumer.stalled``) and the task cancelled and left behind — what it had fetched and not
        committed comes again, and the inbox skips what was applied."""
        self._turned_at = time.monotonic()
        poll = asyncio.ensure_future(self._poll(consumer))
        try:
            while True:
                done, _ = await asyncio.wait({poll}, timeout=STALLED_AFTER_S / 4)
                if done:
                    return poll.result()
                if time.monotonic() - self._turned_at > STALLED_AFTER_S:
                    log.error("consumer.stalled", group=self.group_id, waiting_in=_awaiting(poll))
                    raise ConsumerStalled(f"a turn of the poll loop outlived {STALLED_AFTER_S:.0f} s")
        finally:
            if not poll.done():
                poll.cancel()

    async def _poll(self, consumer: AIOKafkaConsumer) -> None:
        observed, burst, wait = 0.0, 0, _FetchWait(consumer, self._settings)
        self._offsets = offsets = _Offsets(consumer, self._settings.consumer_commit_interval_ms / 1000)
        try:
            while True:
                self._turned_at = time.monotonic()
                wait.before_fetch()
                batches = await consumer.getmany(timeout_ms=500)
                if batches:
                    wait.flowing()  # before any await: aiokafka's next fetch is about to be sent
                    self.positions.receiving(batches)
                    await self._apply_fetch(batches)
                    self.positions.applied(batches)
                    offsets.applied(batches)
                    await offsets.commit()
                    burst += sum(len(records) for records in batches.values())
                else:
                    await offsets.commit(now=True)  # a quiet poll: every applied offset on its way
                    if burst >= self._settings.consumer_trim_after_records:  # idle after a burst: a quiet moment
                        give_back_memory()
                    burst = 0
                # the broker's ends and positions: after a quiet poll, else at most every OBSERVE_EVERY_S (each
                # look is one call per assigned partition; under a stream of small fetches it was 2 % of the loop)
                if not batches or time.monotonic() - observed >= OBSERVE_EVERY_S:
                    await _observe(consumer, self.positions)
                    observed = time.monotonic()
                await self._same_broker()
        finally:
            self._offsets = None
            await offsets.last()

    async def _apply_fetch(self, batches: dict[TopicPartition, list]) -> None:
        """Every partition's records of one fetch in ONE transaction (issue 18: under a stream a fetch holds a
        record or two a partition, and a transaction each was most of a record's cost), each partition's
        records in their order, the partitions one after the other; keys never span partitions, so per-key
        order holds. A poison record, or any failure, sends the fetch down the one-at-a-time path. The cyclic
        collector is paused meanwhile (``collector_paused``)."""
        with collector_paused():
            await self._apply_records(batches)

    async def _apply_records(self, batches: dict[TopicPartition, list]) -> None:
        items = []
        for records in batches.values():
            for record in records:
                if not self.wanted(record):
                    continue
                try:
                    items.append((*self.decode(record), record))
                except ValueError:
                    items.append((None, None, record))
        wanted = [(e, p, r) for e, p, r in items if e is not None and e.type in self._handlers]
        batched = (len(wanted) > 1 or wanted and self._whole(wanted[0][0].type)) \
            and all(e is not None for e, _, _ in items) and await self.apply_batch(wanted)
        if not batched:  # one at a time, each decoded once (above), not again
            for event, payload, record in items:
                if event is None:
                    await self.handle_record(record)  # unparseable: dead-lettered with its error
                else:
                    await self._handle_decoded(event, payload, record)
