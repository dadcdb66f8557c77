"""The outbox relay: publishes committed events in order and marks them sent.

Replicas of a service each run a relay; one publishes at a time (an advisory lock held for the batch's
transaction), so one household's events reach the broker in the order they were written (docs/scaling.md).

Woken on commit in this process (no polling delay on the hot path) and by a timer as a safety net. A round
costs a transaction and a broker round trip whether it carries one row or five hundred, so rounds start at
most every ``outbox_round_gap_ms``: at a quiet moment an event goes at once; under a stream of commits each
round takes what the gap gathered (issue 18: at one round per commit the relay spent ~2–3 ms of CPU per event).
A round the broker did not take within ``kafka_send_timeout_s`` is retried with half as many rows, and each full
round that goes doubles them back to ``outbox_batch_size``: on a busy machine 500 registrations (~0.8 MB, then
sent 16 KiB a partition per broker round trip; 256 KiB since, ``kafka_producer_batch_kb``) could need longer than
the timeout, and the same 500 were sent again and again, timing out each time (issue 18, session 8: the bulk
import's relay stalled for minutes).
A broker outage leaves rows unsent; they drain in order when the broker is back. A broker that comes
back without its log (the one-machine broker keeps it in memory) is given again every event its
consumers had not read yet (``BrokerWatch``), before anything new.
"""

import asyncio
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

import structlog
from fastapi import FastAPI
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common.broker_watch import WATCH_LOCK, BrokerWatch
from backstop_common.envelope import Event, to_kafka
from backstop_common.jobs import periodic, unit_of_work
from backstop_common.kafka import BrokerUnavailable, Publisher
from backstop_common.messaging_models import OutboxHeld, OutboxMessage
from backstop_common.metrics import OUTBOX_PUBLISHED
from backstop_common.settings import ServiceSettings
from backstop_common.topics import CONSUMERS

log = structlog.get_logger()


def _record(row) -> tuple[str, bytes, bytes, list]:
    """(topic, key, value, headers) of an outbox row as the broker gets it. Its data goes out as PostgreSQL writes
    the jsonb (``data::text``), never parsed here: decoding it and encoding it again was a third of the registry's
    CPU while it relayed an import (bench/RESULTS.md, session 13)."""
    event = Event(
        id=row["id"], type=row["type"], source=row["source"], subject=row["subject"], data={},
        area_code=row["area_code"], correlation_id=row["correlation_id"], time=row["time"],
    )
    rec = to_kafka(event, data_json=row["data"])
    return row["topic"], rec.key, rec.value, rec.headers


# A round runs on a pooled connection's asyncpg driver, without a SQLAlchemy session (``drain_once``): the relay
# runs a round for every few events, and SQLAlchemy's layers cost more CPU than the statements themselves (the
# lock's statement through them was a third of the relay's CPU at 200 writes/s, session 11; the session's
# checkout, BEGIN, commit and close most of the rest, session 20).
#: the transaction begun and one publisher at a time per database taken, in one round trip (a simple query). The
#: lock is its own statement, before the rows': the rows' snapshot must be taken once the lock is held — one
#: statement taking both would read the outbox as it was before it waited, and publish past what the broker check
#: (``BrokerWatch``, another replica's) queued again meanwhile; each statement of a simple query takes its own
#: snapshot (READ COMMITTED)
_BEGIN_LOCKED = f"BEGIN; SELECT pg_advisory_xact_lock({WATCH_LOCK})"
#: the round's rows, in the order they were written; waits for rows an operator's replay is marking unsent
#: rather than publish past them
_ROUND = """
    SELECT seq, id, topic, type, source, subject, data::text AS data, area_code, correlation_id, time FROM outbox
     WHERE sent_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE"""
#: the round's rows marked sent, what each partition got held for its consumer groups (one ``outbox_held`` row a
#: partition, not the placement on each row: ``OutboxHeld``) and each (topic, partition)'s mark raised: one statement
_MARK_SENT = """
    WITH placed AS (
        SELECT * FROM unnest($2::bigint[], $3::text[], $4::int[], $5::bigint[]) AS v(s, t, p, o)
    ), sent AS (
        UPDATE outbox o SET sent_at = $1, attempts = o.attempts + 1 FROM placed WHERE o.seq = placed.s
    ), held AS (
        INSERT INTO outbox_held (topic, partition, last_offset, seqs)
        SELECT t, p, max(o), array_agg(s) FROM placed WHERE o IS NOT NULL GROUP BY t, p
        ON CONFLICT (topic, partition, last_offset) DO UPDATE SET seqs = outbox_held.seqs || excluded.seqs
    )
    INSERT INTO outbox_marks (topic, partition, mark)
    SELECT t, p, min(o) + 1 FROM placed WHERE o IS NOT NULL GROUP BY t, p
    ON CONFLICT (topic, partition) DO UPDATE SET mark = greatest(outbox_marks.mark, excluded.mark)"""


async def _ended(pooled, round_: Awaitable[int]) -> int:
    """A round on a pooled connection, its transaction ended whatever happens: the pool knows nothing of a transaction
    begun on the driver (its return would not roll it back), so a round that fails rolls back here, and a connection
    that cannot — broken, or cancelled mid-statement — is closed rather than returned."""
    try:
        return await round_
    except asyncio.CancelledError:
        pooled.invalidate()
        raise
    except Exception:
        try:
            await pooled.driver_connection.execute("ROLLBACK")
        except asyncio.CancelledError:
            pooled.invalidate()
            raise
        except Exception:
            pooled.invalidate()
        raise


def _placed(row, metadata) -> tuple[int | None, int | None]:
    """Where a row went, kept only while some consumer may not have read it (a topic nobody here reads: never)."""
    if not CONSUMERS.get(row["topic"]) or metadata is None:
        return None, None
    return metadata.partition, metadata.offset


class OutboxRelay:
    def __init__(self, session_factory: async_sessionmaker, publisher: Publisher, settings: ServiceSettings,
                 watch: BrokerWatch | None = None):
        self._engine = session_factory.kw["bind"]
        self._publisher = publisher
        self._settings = settings
        self._wake = asyncio.Event()
        self._watch = watch
        self._watched_at: float | None = None  # None: the broker's log is to be checked before publishing
        self._round_at = 0.0  # when the last round started (monotonic)
        self._rows = settings.outbox_batch_size  # the next round's rows at most: halved after a round the broker
        # did not take in time, doubled back after each full round that went

    def wake(self) -> None:
        self._wake.set()

    @property
    def round_rows(self) -> int:
        """How many rows the next round takes at most."""
        return self._rows

    @property
    def broker_checked(self) -> bool:
        """Whether the relay has looked at the broker's log since it (re)connected (always, without a watch)."""
        return self._watch is None or self._watched_at is not None

    async def drain_once(self) -> int:
        """Publish one batch; returns how many rows were sent."""
        pooled = await self._engine.raw_connection()
        try:
            sent = await _ended(pooled, self._round(pooled.driver_connection))
        finally:
            pooled.close()
        OUTBOX_PUBLISHED.inc(sent)
        return sent

    async def _round(self, driver) -> int:
        # One publisher at a time per database, whatever the number of replicas, and never while the broker's log is
        # being looked at: the others wait here and take the next batch once this one is committed (or rolled back:
        # a replica that dies mid-batch lets the next publish it again). Relays sharing rows with SKIP LOCKED would
        # publish two events of one household out of order.
        await driver.execute(_BEGIN_LOCKED)
        rows = await driver.fetch(_ROUND, self._rows)
        if rows:
            placed = [_placed(r, m) for r, m in zip(rows, await self._publisher.send_many([_record(r) for r in rows]))]
            await driver.execute(_MARK_SENT, datetime.now(UTC), [r["seq"] for r in rows], [r["topic"] for r in rows],
                                 [p for p, _ in placed], [o for _, o in placed])
        await driver.execute("COMMIT")
        return len(rows)

    async def _look_at_the_broker(self) -> None:
        """Before publishing after a start or a failure, and every few seconds: is the broker's log still there?"""
        due = self._watched_at is None or time.monotonic() - self._watched_at >= self._settings.broker_watch_interval_s
        if self._watch is not None and due:
            await self._watch.check()
            self._watched_at = time.monotonic()

    async def _drain(self) -> None:
        """Rounds until one comes back short of a full batch (what is left came after it: a wake says so)."""
        await self._look_at_the_broker()
        while True:
            self._round_at = time.monotonic()
            rows = self._rows
            if await self.drain_once() < rows:
                return
            self._rows = min(rows * 2, self._settings.outbox_batch_size)
            await self._look_at_the_broker()

    async def run(self) -> None:
        backoff = 0.1
        while True:
            # cleared before the round, never after: a commit while it runs wakes the next one
            self._wake.clear()
            try:
                await asyncio.sleep(self._round_at + self._settings.outbox_round_gap_ms / 1000 - time.monotonic())
                await self._drain()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except (BrokerUnavailable, Exception) as exc:  # broker or database away: keep rows, retry
                if isinstance(exc, BrokerUnavailable):  # away, or slower than the timeout for this many rows
                    self._rows = max(self._rows // 2, 1)
                log.warning("outbox.relay_failed", error=str(exc)[:200], retry_in_s=backoff, rows=self._rows)
                self._watched_at = None  # the broker may come back another one: look before publishing
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
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
    consumer group that has not committed past it (``OutboxHeld`` until then: ``BrokerWatch``), so a broker that
    lost its log is still given every event not known read. ``mark_for_replay`` works on what is younger than
    the window."""
    held = select(func.unnest(OutboxHeld.seqs))
    result = await session.execute(delete(OutboxMessage).where(
        OutboxMessage.sent_at.is_not(None), OutboxMessage.seq.not_in(held),
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
