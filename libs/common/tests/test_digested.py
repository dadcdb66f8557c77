"""``wait_until_digested`` (tests and ``backstop up`` wait on it before counting what was published): a partition
no service's ``/_ops/position`` names is still waited for, until its consumer groups have committed its end.

A service's position speaks for the partitions its own consumer was given. A killed replica of it keeps its
share of the group's partitions until the broker drops it from the group (17 s on Tansu, measured): the
likely cause of a CI flake of session 6, where tests/test_request_examples.py, run after tests/test_replicas.py,
waited, was told "digested" by every service, and found monitoring without a household the registry had
registered meanwhile."""

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from backstop_common import devstack
from backstop_common.kafka import ensure_topics
from backstop_common.topics import CONSUMERS, REGISTRY_HOUSEHOLD

HELD_BY_A_GHOST = TopicPartition(REGISTRY_HOUSEHOLD, 2)


@pytest.fixture
def bootstrap(tmp_path):
    """A broker of its own: the groups here bear the services' names."""
    port = devstack.free_port()
    proc = devstack.start_broker(port, tmp_path / "broker.log")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        devstack.stop(proc)


async def _publish(bootstrap: str, tp: TopicPartition) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(tp.topic, b"{}", key=b"h", partition=tp.partition)
    finally:
        await producer.stop()


async def _commit(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    """What the group's member holding these partitions commits once it applied them."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(offsets)
    finally:
        await consumer.stop()


def _wait(bootstrap: str, timeout: float) -> bool:
    # no service answers here: each's own position (``digested``) vouches for nothing and refuses nothing
    return devstack.wait_until_digested({}, None, lambda _: None, timeout=timeout, bootstrap=bootstrap)


def test_a_partition_its_group_has_not_committed_is_not_digested(bootstrap):
    asyncio.run(ensure_topics(bootstrap, [REGISTRY_HOUSEHOLD]))
    asyncio.run(_publish(bootstrap, HELD_BY_A_GHOST))
    assert devstack.groups_behind(bootstrap) == {g: (1 if g in CONSUMERS[REGISTRY_HOUSEHOLD] else 0)
                                                 for groups in CONSUMERS.values() for g in groups}
    with pytest.raises(TimeoutError, match="'monitoring': 1"):
        _wait(bootstrap, timeout=3)

    for group in CONSUMERS[REGISTRY_HOUSEHOLD]:
        asyncio.run(_commit(bootstrap, group, {HELD_BY_A_GHOST: 1}))
    assert not any(devstack.groups_behind(bootstrap).values())
    assert _wait(bootstrap, timeout=60)


def test_without_a_broker_nothing_is_vouched_for(tmp_path):
    assert devstack.groups_behind(f"127.0.0.1:{devstack.free_port()}") is None
