"""A consumer group on the real broker after a start cut short: every partition ends with the live consumer.

Stop 24's CI: after tests/test_faults.py stopped a service around a broker restart, its consumer's start waited on
the group (a member that no longer answered) past the start's bound; the stop of the consumer given up on was
cancelled half-way through its group join, which then completed in the background and kept heartbeating. The group
kept partitions assigned to that consumer, nobody read them, and the chain never converged."""

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import uuid

from backstop_common import consumer as consumer_module
from backstop_common.consumer import EventConsumer
from backstop_common.kafka import ensure_topics
from backstop_common.settings import ServiceSettings
from backstop_common.testing import eventually

#: a member that joins the group, says so, then goes on polling until it is stopped (SIGSTOP: no heartbeat,
#: no goodbye) — a service suspended, or a machine that froze
MEMBER = textwrap.dedent("""
    import asyncio, sys
    from aiokafka import AIOKafkaConsumer

    async def main(bootstrap, topic, group):
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        await consumer.start()
        while True:
            await consumer.getmany(timeout_ms=200)
            if consumer.assignment():
                print("assigned", flush=True)

    asyncio.run(main(*sys.argv[1:]))
""")


async def _member_assigned(bootstrap: str, topic: str, group: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", MEMBER, bootstrap, topic, group], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 60)
    assert line.strip() == b"assigned"
    return proc


async def test_a_start_cut_short_leaves_no_member_holding_partitions(kafka_bootstrap, monkeypatch):
    # below the time the group takes to drop a member that stopped answering: the first start is cut short
    monkeypatch.setattr(consumer_module, "START_WITHIN_S", 8.0)
    monkeypatch.setattr(consumer_module, "STOP_WITHIN_S", 1.0)
    topic, group = f"test.group.{uuid.uuid4().hex[:8]}", f"group-{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap, [topic], partitions=3)
    member = await _member_assigned(kafka_bootstrap, topic, group)
    os.kill(member.pid, signal.SIGSTOP)
    settings = ServiceSettings(kafka_bootstrap_servers=kafka_bootstrap, broker_watch_interval_s=1e9)
    consumer = EventConsumer(settings=settings, session_factory=None, publisher=None, handlers={}, models={},
                             topics=[topic], group_id=group)
    run = asyncio.ensure_future(consumer.run())

    def every_partition_here() -> bool:
        live = consumer._live
        return live is not None and {tp.partition for tp in live.assignment()} == {0, 1, 2}

    try:
        # the stopped member's session runs out; a consumer given up on must not keep what it was assigned
        assert await eventually(every_partition_here, timeout=75, interval=0.5)
        await asyncio.sleep(8)  # and it stays so: nothing joins late and takes partitions away
        assert every_partition_here()
    finally:
        member.kill()
        member.wait()
        run.cancel()
        await asyncio.wait({run}, timeout=10)
