"""Whether the broker still holds what this service published, and what its consumers have read of it.

The outbox keeps, for each round and partition it published to, the round's events there and the last offset
the broker gave them (``OutboxHeld``) until every consumer group of the topic (``topics.CONSUMERS``) has
committed past it; and per partition a mark the log's end had reached at least (``OutboxMark``). Each look,
while events are held:
1. reads the groups' committed offsets, then the partitions' end offsets;
2. if a partition ends before its mark, the broker lost its log (the one-machine broker keeps it in
   memory and was restarted): every event not known read is marked unsent, and the relay publishes it
   again, in order, before anything new — consumers skip what they had applied (inbox);
3. otherwise the rounds every group has read past are forgotten, and the marks follow the ends.
The committed offsets are read before the end offsets, so a new broker's offsets are never taken for
the old one's: if the broker was replaced in between, step 2 sees it. With nothing held there is
nothing to lose: the marks are dropped and the broker is not asked.
"""

import asyncio
import contextlib
from collections import defaultdict

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from backstop_common.kafka import within
from backstop_common.settings import ServiceSettings
from backstop_common.topics import CONSUMERS

log = structlog.get_logger()
#: one look or one publish at a time per database, whatever the number of replicas (advisory lock key)
WATCH_LOCK = 0x0B5C_0001
_HELD = text("SELECT DISTINCT topic, partition FROM outbox_held")
_MARKS = text("SELECT topic, partition, mark FROM outbox_marks")
_REPUBLISH = text("UPDATE outbox SET sent_at = NULL WHERE seq IN (SELECT unnest(seqs) FROM outbox_held)")
#: a round's events in a partition are forgotten together, once every group has read its last one
_FORGET = text("DELETE FROM outbox_held WHERE topic = :topic AND partition = :partition AND last_offset < :read")
_FOLLOW = text("UPDATE outbox_marks SET mark = greatest(mark, :end) WHERE topic = :topic AND partition = :partition")


class BrokerWatch:
    def __init__(self, session_factory: async_sessionmaker, settings: ServiceSettings):
        self._sessions = session_factory
        self._settings = settings
        self._admin: AIOKafkaAdminClient | None = None
        self._probe: AIOKafkaConsumer | None = None

    async def check(self) -> int:
        """One look; returns how many events were queued again (0 unless the broker lost its log)."""
        async with self._sessions() as session:
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WATCH_LOCK})
            held = [TopicPartition(r.topic, r.partition) for r in await session.execute(_HELD)]
            if not held:
                await session.execute(text("DELETE FROM outbox_marks"))
                await session.commit()
                return 0
            marks = {TopicPartition(r.topic, r.partition): r.mark for r in await session.execute(_MARKS)}
            try:
                read = await self._read_by_every_group(held)
                ends = await self._ends(sorted(set(held) | set(marks)))
            except (Exception, asyncio.TimeoutError):
                await self.close()
                raise
            queued = await self._judge(session, marks, ends, read)
            await session.commit()
            return queued

    async def _judge(self, session, marks: dict, ends: dict, read: dict) -> int:
        lost = [tp for tp, mark in marks.items() if ends.get(tp, 0) < mark]
        if lost:
            queued = (await session.execute(_REPUBLISH)).rowcount or 0
            await session.execute(text("DELETE FROM outbox_held"))
            await session.execute(text("DELETE FROM outbox_marks"))  # the new log starts anew
            log.warning("outbox.broker_lost_its_log", partitions=len(lost), republishing=queued)
            return queued
        for tp, offset in read.items():
            await session.execute(_FORGET, {"topic": tp.topic, "partition": tp.partition, "read": offset})
        for tp, end in ends.items():
            await session.execute(_FOLLOW, {"topic": tp.topic, "partition": tp.partition, "end": end})
        return 0

    async def _read_by_every_group(self, held: list[TopicPartition]) -> dict[TopicPartition, int]:
        """Per partition, the lowest offset committed by the topic's consumer groups (absent: not known)."""
        admin = await self._admin_client()
        by_group: dict[str, list[TopicPartition]] = defaultdict(list)
        for tp in held:
            for group in CONSUMERS.get(tp.topic, ()):
                by_group[group].append(tp)
        lowest: dict[TopicPartition, int] = {}
        unknown: set[TopicPartition] = set()
        for group, partitions in by_group.items():
            committed = await within(
                admin.list_consumer_group_offsets(group, partitions=partitions), self._timeout)
            for tp in partitions:
                meta = committed.get(tp)
                if meta is None or meta.offset < 0:
                    unknown.add(tp)
                else:
                    lowest[tp] = min(lowest.get(tp, meta.offset), meta.offset)
        return {tp: offset for tp, offset in lowest.items() if tp not in unknown}

    async def _ends(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        if self._probe is None:
            probe = AIOKafkaConsumer(bootstrap_servers=self._settings.kafka_bootstrap_servers, group_id=None,
                                     enable_auto_commit=False)
            await within(probe.start(), self._timeout)
            self._probe = probe
        return await within(self._probe.end_offsets(partitions), self._timeout)

    async def _admin_client(self) -> AIOKafkaAdminClient:
        if self._admin is None:
            admin = AIOKafkaAdminClient(bootstrap_servers=self._settings.kafka_bootstrap_servers,
                                        request_timeout_ms=int(self._timeout * 1000))
            await within(admin.start(), self._timeout)
            self._admin = admin
        return self._admin

    @property
    def _timeout(self) -> float:
        return self._settings.kafka_send_timeout_s

    async def close(self) -> None:
        probe, admin, self._probe, self._admin = self._probe, self._admin, None, None
        for client in (probe, admin):
            if client is not None:
                with contextlib.suppress(Exception, asyncio.TimeoutError):
                    await within(client.stop() if client is probe else client.close(), self._timeout, cancel=False)
