"""The consumer's poll loop between fetches: a fetch's offsets committed in one request, and the memory of a burst
given back once the consumer is idle again — once per burst, never during one or after a trickle (issue 18)."""

import asyncio

import pytest
from aiokafka.structs import ConsumerRecord, TopicPartition

from backstop_common import consumer as consumer_module
from backstop_common.consumer import EventConsumer
from backstop_common.settings import ServiceSettings

TOPIC = "test.idle"


class ScriptedBroker:
    """Stands in for AIOKafkaConsumer: hands out the scripted fetches, then stops the loop."""

    def __init__(self, fetches: list[dict]):
        self.fetches, self.commits = list(fetches), []

    async def getmany(self, timeout_ms: int) -> dict:
        if not self.fetches:
            raise asyncio.CancelledError
        return self.fetches.pop(0)

    async def commit(self, offsets: dict) -> None:
        self.commits.append(dict(offsets))

    def assignment(self) -> set:
        return set()


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


def test_start_up_is_frozen_once_per_process(monkeypatch):
    """A second app in the same process (a test session) freezes nothing more: its predecessors' cycles stay
    collectable."""
    frozen = []
    monkeypatch.setattr(consumer_module, "_frozen", False)
    monkeypatch.setattr(consumer_module.gc, "freeze", lambda: frozen.append(1))
    consumer_module.freeze_start_up()
    consumer_module.freeze_start_up()
    assert frozen == [1]
