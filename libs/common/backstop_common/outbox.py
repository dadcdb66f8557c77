"""The outbox relay: publishes committed events in order and marks them sent.

Woken on commit in this process (no polling delay on the hot path) and by a timer as a safety net.
A broker outage leaves rows unsent; they drain in order when the broker is back.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from backstop_common.envelope import Event, to_kafka
from backstop_common.kafka import BrokerUnavailable, Publisher
from backstop_common.messaging_models import OutboxMessage
from backstop_common.metrics import OUTBOX_PUBLISHED
from backstop_common.settings import ServiceSettings

log = structlog.get_logger()


def _record(row: OutboxMessage) -> tuple[str, bytes, bytes, list]:
    event = Event(
        id=row.id, type=row.type, source=row.source, subject=row.subject, data=row.data,
        area_code=row.area_code, correlation_id=row.correlation_id, time=row.time,
    )
    rec = to_kafka(event)
    return row.topic, rec.key, rec.value, rec.headers


class OutboxRelay:
    def __init__(self, session_factory: async_sessionmaker, publisher: Publisher, settings: ServiceSettings):
        self._sessions = session_factory
        self._publisher = publisher
        self._settings = settings
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def drain_once(self) -> int:
        """Publish one batch; returns how many rows were sent."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(OutboxMessage)
                    .where(OutboxMessage.sent_at.is_(None))
                    .order_by(OutboxMessage.seq)
                    .limit(self._settings.outbox_batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).scalars().all()
            if not rows:
                return 0
            await self._publisher.send_many([_record(r) for r in rows])
            now = datetime.now(UTC)
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.seq.in_([r.seq for r in rows]))
                .values(sent_at=now, attempts=OutboxMessage.attempts + 1)
            )
            await session.commit()
            OUTBOX_PUBLISHED.inc(len(rows))
            return len(rows)

    async def run(self) -> None:
        backoff = 0.1
        while True:
            try:
                while await self.drain_once():
                    pass
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except (BrokerUnavailable, Exception) as exc:  # broker or database away: keep rows, retry
                log.warning("outbox.relay_failed", error=str(exc)[:200], retry_in_s=backoff)
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


async def purge_sent(session_factory: async_sessionmaker, retention_days: int) -> int:
    cutoff = datetime.now(UTC) - timedelta(days=retention_days)
    async with session_factory() as session:
        result = await session.execute(
            delete(OutboxMessage).where(OutboxMessage.sent_at.is_not(None), OutboxMessage.created_at < cutoff)
        )
        await session.commit()
        return result.rowcount or 0
