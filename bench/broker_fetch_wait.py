"""How long the broker holds a record from a consumer, by fetch wait (issue 18, session 10).

A bare broker of its own (no service, no database): one record produced at a random moment, then the time from
its ack until a consumer with ``fetch_max_wait_ms`` = W has it — for each W asked. On the one-machine broker the
wait is a floor under every hop only when it is long (docs/scaling.md, *Fetches the one-machine broker holds*).

    python -m bench.broker_fetch_wait [--waits 20,200,500] [--records 40]
"""

import argparse
import asyncio
import random
import statistics
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from backstop_common import devstack

from bench.common import machine

TOPIC = "bench.fetch-wait"


async def ack_to_consumed(bootstrap: str, wait_ms: int, records: int) -> list[float]:
    """Milliseconds from each record's ack until the consumer's ``getmany`` returned it."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=bootstrap, group_id=None, fetch_max_wait_ms=wait_ms,
                                auto_offset_reset="latest")
    await producer.start()
    await producer.send_and_wait(TOPIC, b"warm-up")  # the topic exists before the consumer looks
    await consumer.start()
    try:
        await asyncio.sleep(1)
        taken = []
        for _ in range(records):
            await asyncio.sleep(random.uniform(0.01, 0.06))  # any moment of the consumer's fetch
            await producer.send_and_wait(TOPIC, b"x")
            acked = time.monotonic()
            while not await consumer.getmany(timeout_ms=2000):
                pass
            taken.append((time.monotonic() - acked) * 1000)
        return taken
    finally:
        await consumer.stop()
        await producer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waits", default="20,200,500")
    parser.add_argument("--records", type=int, default=40)
    args = parser.parse_args()
    print(machine())
    for wait_ms in (int(w) for w in args.waits.split(",")):
        port = devstack.free_port()
        broker = devstack.start_broker(port)
        try:
            taken = asyncio.run(ack_to_consumed(f"127.0.0.1:{port}", wait_ms, args.records))
        finally:
            devstack.stop(broker)
        print(f"fetch wait {wait_ms} ms: ack → consumed p50 {statistics.median(taken):.1f} ms, "
              f"max {max(taken):.1f} ms ({len(taken)} records)")


if __name__ == "__main__":
    main()
