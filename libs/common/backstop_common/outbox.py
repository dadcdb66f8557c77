"""The outbox relay: publishes committed events in order and marks them sent.

Replicas of a service each run a relay; one publishes at a time (an advisory lock held for the batch's
transaction), so one household's events reach the broker in the order they were written (docs/scaling.md).

Woken on commit in this process (no polling delay on the hot path) and by a timer as a safety net.
A broker outage leaves rows unsent; they drain in order when the broker is back. A broker that comes
back without its log (the one-machine broker keeps it in memory) is given again every event its
consumers had not read yet (``BrokerWatch``), before anything new.
"""

import asyncio
import time
from datetime import UTC, datetime, timedelta

import structlog
from fastapi import FastAPI
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.broker_watch import WATCH_LOCK, BrokerWatch
from backstop_common.envelope import Event, to_kafka
from backstop_common.jobs import periodic, unit_of_work
from backstop_common.kafka import BrokerUnavailable, Publisher
from backstop_common.messaging_models import OutboxMessage
from backstop_common.metrics import OUTBOX_PUBLISHED
from backstop_common.settings import ServiceSettings
from backstop_common.topics import CONSUMERS

log = structlog.get_logger()


def _record(row: OutboxMessage) -> tuple[str, bytes, bytes, list]:
    event = Event(
        id=row.id, type=row.type, source=row.source, subject=row.subject, data=row.data,
        area_code=row.area_code, correlation_id=row.correlation_id, time=row.time,
    )
    rec = to_kafka(event)
    return row.topic, rec.key, rec.value, rec.headers


_MARK_SENT = text("""
    UPDATE outbox o SET sent_at = :now, attempts = o.attempts + 1, partition = v.p, "offset" = v.o
    FROM unnest(CAST(:seqs AS bigint[]), CAST(:partitions AS int[]), CAST(:offsets AS bigint[])) AS v(s, p, o)
    WHERE o.seq = v.s""")
_RAISE_MARKS = text("""
    INSERT INTO outbox_marks (topic, partition, mark)
    SELECT t, p, min(o) + 1 FROM unnest(CAST(:topics AS text[]), CAST(:partitions AS int[]), CAST(:offsets AS bigint[]))
        AS v(t, p, o) WHERE o IS NOT NULL GROUP BY t, p
    ON CONFLICT (topic, partition) DO UPDATE SET mark = greatest(outbox_marks.mark, excluded.mark)""")


def _placed(row: OutboxMessage, metadata) -> tuple[int | None, int | None]:
    """Where a row went, kept only while some consumer may not have read it (a topic nobody here reads: never)."""
    if not CONSUMERS.get(row.topic) or metadata is None:
        return None, None
    return metadata.partition, metadata.offset


class OutboxRelay:
    def __init__(self, session_factory: async_sessionmaker, publisher: Publisher, settings: ServiceSettings,
                 watch: BrokerWatch | None = None):
        self._sessions = session_factory
        self._publisher = publisher
        self._settings = settings
        self._wake = asyncio.Event()
        self._watch = watch
        self._watched_at: float | None = None  # None: the broker's log is to be checked before publishing

    def wake(self) -> None:
        self._wake.set()

    @property
    def broker_checked(self) -> bool:
        """Whether the relay has looked at the broker's log since it (re)connected (always, without a watch)."""
        return self._watch is None or self._watched_at is not None

    async def drain_once(self) -> int:
        """Publish one batch; returns how many rows were sent."""
        async with self._sessions() as session:
            # One publisher at a time per database, whatever the number of replicas, and never while the
            # broker's log is being looked at: the others wait here and take the next batch once this one is
            # committed (or rolled back: a replica that dies mid-batch lets the next publish it again). Relays
            # sharing rows with SKIP LOCKED would publish two events of one household out of order.
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WATCH_LOCK})
            rows = (
                await session.execute(
                    select(OutboxMessage)
                    .where(OutboxMessage.sent_at.is_(None))
                    .order_by(OutboxMessage.seq)
                    .limit(self._settings.outbox_batch_size)
                    # wait for rows an operator's replay is marking unsent rather than publish past them
                    .with_for_update()
                )
            ).scalars().all()
            if not rows:
                return 0
            placed = [_placed(r, m) for r, m in zip(rows, await self._publisher.send_many([_record(r) for r in rows]))]
            partitions, offsets = [p for p, _ in placed], [o for _, o in placed]
            await session.execute(_MARK_SENT, {"now": datetime.now(UTC), "seqs": [r.seq for r in rows],
                                               "partitions": partitions, "offsets": offsets})
            await session.execute(_RAISE_MARKS, {"topics": [r.topic for r in rows], "partitions": partitions,
                                                 "offsets": offsets})
            await session.commit()
            OUTBOX_PUBLISHED.inc(len(rows))
            return len(rows)

    async def _look_at_the_broker(self) -> None:
        """Before publishing after a start or a failure, and every few seconds: is the broker's log still there?"""
        due = self._watched_at is None or time.monotonic() - self._watched_at >= self._settings.broker_watch_interval_s
        if self._watch is not None and due:
            await self._watch.check()
            self._watched_at = time.monotonic()

    async def run(self) -> None:
        backoff = 0.1
        while True:
            try:
                await self._look_at_the_broker()
                while await self.drain_once():
                    await self._look_at_the_broker()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except (BrokerUnavailable, Exception) as exc:  # broker or database away: keep rows, retry
                log.warning("outbox.relay_failed", error=str(exc)[:200], retry_in_s=backoff)
                self._watched_at = None  # the broker may come back another one: look before publishing
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self._settings.outbox_poll_interval_s)
            except asyncio.TimeoutError:
                pass


async def mark_for_replay(session_factory: async_sessionmaker, since: datetime) -> int:
    """Operators' replay: republish every event created since ``since``; consumers dedupe by inbox."""
    async with session_factory() as session:
        result = await session.execute(
            update(OutboxMessage).where(OutboxMessage.created_at >= since).values(sent_at=None)
        )
        await session.commit()
        return result.rowcount or 0


async def purge_sent(session: AsyncSession, now: datetime, retention_days: int) -> int:
    """Delete sent rows created more than ``retention_days`` before ``now`` — never one still held for a
    consumer group that has not committed past it (its ``offset`` is set until then: ``BrokerWatch``), so a
    broker that lost its log is still given every event not known read. ``mark_for_replay`` works on what is
    younger than the window."""
    result = await session.execute(delete(OutboxMessage).where(
        OutboxMessage.sent_at.is_not(None), OutboxMessage.offset.is_(None),
        OutboxMessage.created_at < now - timedelta(days=retention_days)))
    return result.rowcount or 0


async def purge_once(app: FastAPI) -> int:
    """One round of outbox retention (``outbox_retention_days``), on the app's clock."""
    async with unit_of_work(app) as uow:
        purged = await purge_sent(uow.session, uow.clock.now(), app.state.settings.outbox_retention_days)
    if purged:
        log.info("outbox.purged", rows=purged)
    return purged


#: every service's background job (create_app adds it): every ``outbox_purge_interval_s``
retention = periodic("outbox.purge", purge_once, interval="outbox_purge_interval_s")
