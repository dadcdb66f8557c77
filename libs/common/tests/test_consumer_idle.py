"""The consumer's poll loop between fetches: a fetch's offsets committed in one request, and the memory of a burst
given back once the consumer is idle again — once per burst, never during one or after a trickle (issue 18)."""

import asyncio

import pytest
from aiokafka.structs import ConsumerRecord, TopicPartition

from backstop_common import consumer as consumer_module
from backstop_common import kafka as kafka_module
from backstop_common.consumer import EventConsumer
from backstop_common.settings import ServiceSettings
from backstop_common.testing import eventually

TOPIC = "test.idle"


class ScriptedBroker:
    """Stands in for AIOKafkaConsumer: hands out the scripted fetches, then stops the loop."""

    def __init__(self, fetches: list):
        self.fetches, self.commits = list(fetches), []
        self.assigned = {tp for fetch in fetches if isinstance(fetch, dict) for tp in fetch}

    async def getmany(self, timeout_ms: int) -> dict:
        if not self.fetches:
            raise asyncio.CancelledError
        fetch = self.fetches.pop(0)
        return await fetch() if callable(fetch) else fetch  # a step of the script (a rebalance), then its fetch

    async def commit(self, offsets: dict) -> None:
        self.commits.append(dict(offsets))

    def assignment(self) -> set:
        return set(self.assigned)

    async def position(self, tp: TopicPartition) -> int:
        return 0

    def last_poll_timestamp(self, tp: TopicPartition) -> None:
        return None

    def highwater(self, tp: TopicPartition) -> None:
        return None


def _fetch(partitions: int, records: int, start: int = 0) -> dict:
    """Records of a type the consumer has no handler for: skipped unparsed, so no database is needed."""
    return {TopicPartition(TOPIC, p): [ConsumerRecord(TOPIC, p, start + i, 0, 0, b"k", b"{}", None, 1, 2,
                                                      (("ce_type", b"backstop.other.thing.v1"),))
                                       for i in range(records)] for p in range(partitions)}


async def test_a_burst_is_trimmed_once_when_idle_and_a_trickle_never(monkeypatch):
    trims = []
    monkeypatch.setattr(consumer_module, "give_back_memory", lambda: trims.append(1))
    settings = ServiceSettings(kafka_bootstrap_servers="localhost:1", broker_watch_interval_s=1e9,
                               consumer_trim_after_records=100)
    consumer = EventConsumer(settings=settings, session_factory=None, publisher=None, handlers={}, models={},
                             topics=[TOPIC])
    broker = ScriptedBroker([_fetch(3, 40), _fetch(3, 40, 40), {}, {}, _fetch(1, 5, 80), {}])
    with pytest.raises(asyncio.CancelledError):
        await consumer._poll(broker)
    assert trims == [1]  # 240 records, then idle: once; the idle poll after it and the trickle of 5: not again
    assert broker.commits[0] == {TopicPartition(TOPIC, p): 40 for p in range(3)}  # every partition in one request
    assert broker.commits[1] == {TopicPartition(TOPIC, p): 80 for p in range(3)} and len(broker.commits) == 3


class SlowCommits(ScriptedBroker):
    """A broker whose offset commits take a while; what happens when is written to ``log``."""

    def __init__(self, fetches: list[dict], log: list):
        super().__init__(fetches)
        self.log = log

    async def commit(self, offsets: dict) -> None:
        (mark,) = set(offsets.values())
        self.log.append(f"commit {mark} sent")
        await asyncio.sleep(0.05)
        await super().commit(offsets)
        self.log.append(f"commit {mark} taken")


async def test_a_fetchs_offsets_are_committed_while_the_next_fetch_is_applied_and_in_their_order(monkeypatch):
    """The loop does not wait for a commit's round trip before it takes the next fetch (issue 18, session 10: a
    monitoring under a stream spent 2–3 ms of every ~16 ms turn waiting for it); the next commit goes only after
    the previous one was taken, and the last one is not dropped when the loop ends."""
    log = []
    settings = ServiceSettings(kafka_bootstrap_servers="localhost:1", broker_watch_interval_s=1e9,
                               consumer_commit_interval_ms=0)
    consumer = EventConsumer(settings=settings, session_factory=None, publisher=None, handlers={}, models={},
                             topics=[TOPIC])

    async def apply(batches):
        log.append(f"apply {max(r.offset for rs in batches.values() for r in rs) + 1}")
        await asyncio.sleep(0.01)

    monkeypatch.setattr(consumer, "_apply_fetch", apply)
    broker = SlowCommits([_fetch(1, 2), _fetch(1, 2, 2), _fetch(1, 2, 4)], log)
    with pytest.raises(asyncio.CancelledError):
        await consumer._poll(broker)
    at = log.index
    assert at("apply 2") < at("commit 2 sent") and at("apply 4") < at("commit 2 taken")  # applied meanwhile
    assert at("commit 2 taken") < at("commit 4 sent") < at("commit 4 taken") < at("commit 6 sent")  # one by one
    assert [c[TopicPartition(TOPIC, 0)] for c in broker.commits] == [2, 4, 6] and log[-1] == "commit 6 taken"


def _stream_consumer(interval_ms: int) -> EventConsumer:
    settings = ServiceSettings(kafka_bootstrap_servers="localhost:1", broker_watch_interval_s=1e9,
                               consumer_commit_interval_ms=interval_ms)
    return EventConsumer(settings=settings, session_factory=None, publisher=None, handlers={}, models={},
                         topics=[TOPIC])


async def test_under_a_stream_offsets_are_committed_at_most_every_interval_and_at_once_when_quiet():
    """One commit a fetch was a broker round trip and CPU on both sides for every few records (issue 18): under a
    stream the first fetch's offsets go at once, the next ones' wait for the interval — or for a quiet poll, which
    commits everything applied, as does the loop's end."""
    consumer = _stream_consumer(interval_ms=60_000)
    broker = ScriptedBroker([_fetch(2, 2), _fetch(2, 2, 2), _fetch(1, 2, 4), {}, _fetch(1, 2, 6)])
    with pytest.raises(asyncio.CancelledError):
        await consumer._poll(broker)
    p0, p1 = TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)
    assert broker.commits == [{p0: 2, p1: 2}, {p0: 6, p1: 4}, {p0: 8}]


async def test_offsets_held_back_are_committed_before_a_rebalance_and_never_for_a_partition_it_took():
    """A rebalance revokes the partitions: what was applied is committed first, so their next holder starts after
    it. A fetch applied while the rebalance took its partition is not committed for it (the broker would refuse the
    whole request), only for the partitions still held."""
    consumer = _stream_consumer(interval_ms=60_000)
    p0, p1 = TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)
    committed_at_revoke = []

    async def rebalance():
        await consumer_module._RewindOnce(consumer, broker).on_partitions_revoked({p0, p1})
        committed_at_revoke.extend(broker.commits)
        broker.assigned = {p1}  # p0 went to another member
        return _fetch(2, 2, 4)  # fetched before it went

    broker = ScriptedBroker([_fetch(2, 2), _fetch(2, 2, 2), rebalance])
    with pytest.raises(asyncio.CancelledError):
        await consumer._poll(broker)
    assert committed_at_revoke == [{p0: 2, p1: 2}, {p0: 4, p1: 4}]
    assert broker.commits[2:] == [{p1: 6}]


def test_start_up_is_frozen_once_per_process(monkeypatch):
    """A second app in the same process (a test session) freezes nothing more: its predecessors' cycles stay
    collectable."""
    frozen = []
    monkeypatch.setattr(consumer_module, "_frozen", False)
    monkeypatch.setattr(consumer_module.gc, "freeze", lambda: frozen.append(1))
    consumer_module.freeze_start_up()
    consumer_module.freeze_start_up()
    assert frozen == [1]


class QuietBroker(ScriptedBroker):
    """A scripted broker whose empty fetches take a quiet spell, and a fetcher whose wait is recorded at each fetch."""

    def __init__(self, fetches: list[dict], quiet_s: float):
        super().__init__(fetches)
        self._fetcher, self.waits, self._quiet_s = type("Fetcher", (), {"_fetch_max_wait_ms": 0})(), [], quiet_s

    async def getmany(self, timeout_ms: int) -> dict:
        self.waits.append(self._fetcher._fetch_max_wait_ms)
        fetch = await super().getmany(timeout_ms)
        if not fetch:
            await asyncio.sleep(self._quiet_s)
        return fetch


@pytest.mark.parametrize("wait_min_ms, flowing", [(0, 20), (100, 100)])
async def test_fetches_wait_longer_at_rest_and_short_again_once_records_flow(wait_min_ms, flowing):
    """At rest the broker may hold a fetch longer (fewer empty fetches); from the first record on, the short wait —
    or, for a service off the chain (``consumer_fetch_wait_min_ms``: funds', the registry's and notifications' 100),
    that longer one, not the shared flowing wait."""
    settings = ServiceSettings(kafka_bootstrap_servers="localhost:1", broker_watch_interval_s=1e9,
                               kafka_fetch_max_wait_ms=20, kafka_fetch_idle_wait_ms=300, consumer_idle_after_s=0.05,
                               consumer_fetch_wait_min_ms=wait_min_ms)
    consumer = EventConsumer(settings=settings, session_factory=None, publisher=None, handlers={}, models={},
                             topics=[TOPIC])
    broker = QuietBroker([{}, _fetch(1, 2), _fetch(1, 2, 2), {}, {}], quiet_s=0.1)
    with pytest.raises(asyncio.CancelledError):
        await consumer._poll(broker)
    # just started: short; after a quiet spell: long; after records: short, and short while they flow; quiet: long
    assert broker.waits == [flowing, 300, flowing, flowing, 300, 300]


async def test_by_default_a_quiet_consumer_lets_the_broker_hold_its_fetches_longer_than_a_flowing_one():
    """The defaults turn the idle wait on (issue 18, session 9): at rest few empty fetches, under a stream a short
    wait — the one-machine broker answers a fetch only when its wait runs out."""
    defaults = ServiceSettings(kafka_bootstrap_servers="localhost:1")
    settings = ServiceSettings(kafka_bootstrap_servers="localhost:1", broker_watch_interval_s=1e9,
                               consumer_idle_after_s=0.05)
    consumer = EventConsumer(settings=settings, session_factory=None, publisher=None, handlers={}, models={},
                             topics=[TOPIC])
    broker = QuietBroker([{}, _fetch(1, 2), {}], quiet_s=0.1)
    with pytest.raises(asyncio.CancelledError):
        await consumer._poll(broker)
    flowing, quiet = defaults.kafka_fetch_max_wait_ms, defaults.kafka_fetch_idle_wait_ms
    assert quiet > flowing and broker.waits == [flowing, quiet, flowing, quiet]


@pytest.mark.parametrize("min_bytes", [None, 64 * 1024])
async def test_a_consumer_off_the_chain_lets_the_broker_gather_its_fetches(min_bytes):
    """A service's ``consumer_fetch_min_bytes`` (funds', notifications' and the registry's 64 KiB) is what the broker
    is asked to gather before it answers a fetch early, so under a stream they fetch a few times a second, not once
    for every record or two; by default (monitoring, on the chain someone waits on) the first record answers it."""
    settings = ServiceSettings(kafka_bootstrap_servers="localhost:1",
                               **({} if min_bytes is None else {"consumer_fetch_min_bytes": min_bytes}))
    consumer = EventConsumer(settings=settings, session_factory=None, publisher=None, handlers={}, models={},
                             topics=[TOPIC])
    assert consumer._new_consumer()._fetch_min_bytes == (min_bytes or 1)


class WaitAtCommit(QuietBroker):
    """Also records the fetcher's wait when a fetch's offsets are committed: by then aiokafka has sent its next fetch."""

    def __init__(self, fetches: list[dict], quiet_s: float):
        super().__init__(fetches, quiet_s)
        self.waits_at_commit = []

    async def commit(self, offsets: dict) -> None:
        self.waits_at_commit.append(self._fetcher._fetch_max_wait_ms)
        await super().commit(offsets)


async def test_the_first_records_after_a_quiet_spell_set_the_short_wait_before_they_are_applied():
    """aiokafka sends its next fetch as soon as getmany takes the records: the short wait must be in place by then,
    not only at the loop's next turn (a76b6fa: the fetch after a stream's first records still waited long)."""
    settings = ServiceSettings(kafka_bootstrap_servers="localhost:1", broker_watch_interval_s=1e9,
                               kafka_fetch_max_wait_ms=20, kafka_fetch_idle_wait_ms=300, consumer_idle_after_s=0.05)
    consumer = EventConsumer(settings=settings, session_factory=None, publisher=None, handlers={}, models={},
                             topics=[TOPIC])
    broker = WaitAtCommit([{}, _fetch(1, 2)], quiet_s=0.1)
    with pytest.raises(asyncio.CancelledError):
        await consumer._poll(broker)
    assert broker.waits == [20, 300, 20] and broker.waits_at_commit == [20]


async def test_with_the_idle_wait_off_the_fetcher_is_never_written():
    """The default (idle wait = flowing wait): aiokafka's private copy is left as aiokafka set it."""
    settings = ServiceSettings(kafka_bootstrap_servers="localhost:1", broker_watch_interval_s=1e9,
                               kafka_fetch_max_wait_ms=20, kafka_fetch_idle_wait_ms=20, consumer_idle_after_s=0.05)
    consumer = EventConsumer(settings=settings, session_factory=None, publisher=None, handlers={}, models={},
                             topics=[TOPIC])
    broker = QuietBroker([{}, _fetch(1, 2), {}, {}], quiet_s=0.1)
    with pytest.raises(asyncio.CancelledError):
        await consumer._poll(broker)
    assert broker.waits == [0, 0, 0, 0, 0]  # the scripted fetcher's own value, never overwritten


class StuckOnStop(ScriptedBroker):
    """A consumer whose fetch fails and whose ``stop`` does not end when cancelled — as aiokafka's can, waiting on a
    group coordinator that is gone — until the test lets it go."""

    def __init__(self, release: asyncio.Event):
        super().__init__([])
        self.release, self.started, self.cancelled, self.stopped = release, 0, 0, False

    async def start(self) -> None:
        self.started += 1

    async def getmany(self, timeout_ms: int) -> dict:
        raise consumer_module.KafkaError("the broker went away")

    async def stop(self) -> None:
        while not self.release.is_set():
            try:
                await self.release.wait()
            except asyncio.CancelledError:  # swallowed: asyncio.wait_for would wait here for ever
                self.cancelled += 1
        self.stopped = True


class NextOne(ScriptedBroker):
    async def start(self) -> None:
        raise asyncio.CancelledError  # the loop got this far: done

    async def stop(self) -> None:
        pass


def _run_loop(monkeypatch, first: ScriptedBroker) -> tuple[asyncio.Future, list]:
    """A consumer's run loop begun with ``first``, then with one whose start ends the loop: its task, and a list
    with an item for each consumer it made."""
    settings = ServiceSettings(kafka_bootstrap_servers="localhost:1", broker_watch_interval_s=1e9)
    consumer = EventConsumer(settings=settings, session_factory=None, publisher=None, handlers={}, models={},
                             topics=[TOPIC])
    consumers, made = iter([first, NextOne([])]), []
    monkeypatch.setattr(consumer, "_new_consumer", lambda: made.append(1) or next(consumers))
    return asyncio.ensure_future(consumer.run()), made


async def test_a_consumer_whose_stop_hangs_is_left_behind_and_a_new_one_started(monkeypatch):
    monkeypatch.setattr(consumer_module, "STOP_WITHIN_S", 0.2)
    release = asyncio.Event()
    stuck = StuckOnStop(release)
    run, made = _run_loop(monkeypatch, stuck)
    try:
        await asyncio.wait({run}, timeout=30)  # not wait_for: it would wait on the stuck stop itself
        assert run.done(), "the loop hung behind the first consumer's stop"
        assert run.cancelled() and stuck.started == 1 and len(made) == 2
        # never cancelled: a cancelled aiokafka stop can finish its group join and go on heartbeating for a
        # consumer nobody reads (test_consumer_group.py); left to run, it ends when it can
        assert stuck.cancelled == 0 and not stuck.stopped and kafka_module._LEFT_BEHIND
        release.set()
        assert await eventually(lambda: stuck.stopped and not kafka_module._LEFT_BEHIND, timeout=5)
    finally:
        release.set()
        await asyncio.wait({run}, timeout=5)


class StuckInFetch(ScriptedBroker):
    """A consumer whose fetch never ends and swallows every cancellation — the kind of wait that leaves
    ``asyncio.wait_for`` waiting for good — until the test lets it go."""

    def __init__(self, release: asyncio.Event):
        super().__init__([])
        self.release = release

    async def start(self) -> None:
        pass

    async def getmany(self, timeout_ms: int) -> dict:
        while not self.release.is_set():
            try:
                await self.release.wait()
            except asyncio.CancelledError:
                continue
        raise asyncio.CancelledError  # let go: the task left behind ends

    async def stop(self) -> None:
        pass


async def test_a_poll_loop_stuck_in_a_turn_is_replaced_and_says_where_it_waited(monkeypatch):
    from structlog.testing import capture_logs

    monkeypatch.setattr(consumer_module, "STALLED_AFTER_S", 0.4)
    release = asyncio.Event()
    run, made = _run_loop(monkeypatch, StuckInFetch(release))
    try:
        with capture_logs() as logs:
            await asyncio.wait({run}, timeout=30)
        assert run.done(), "the loop stayed behind the stuck fetch"
        assert run.cancelled() and len(made) == 2  # a new consumer was started after the stuck one
        [stalled] = [entry for entry in logs if entry["event"] == "consumer.stalled"]
        assert any("getmany" in where for where in stalled["waiting_in"]), stalled["waiting_in"]
    finally:
        release.set()
        await asyncio.wait({run}, timeout=5)
