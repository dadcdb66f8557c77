"""Queries on deliveries: what the dispatcher sends next and what came of it, and how many SMS a recipient got
today."""

import uuid
from datetime import datetime

from sqlalchemy import func, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from backstop_common import bulk, driver
from backstop_common.uow import STAGE_MANY_SQL

from notifications.models import Delivery
from notifications.repository.rows import with_new_ids


async def sms_since(session: AsyncSession, recipient_ids: list[uuid.UUID], since: datetime) -> dict[uuid.UUID, int]:
    """How many SMS deliveries each recipient was given since ``since`` (absent: none)."""
    if not recipient_ids:
        return {}
    query = (select(Delivery.recipient_id, func.count()).where(
        Delivery.recipient_id.in_(recipient_ids), Delivery.channel == "sms", Delivery.created_at >= since)
        .group_by(Delivery.recipient_id))
    return dict((await session.execute(query)).all())


async def insert_all(session: AsyncSession, rows: list[dict]) -> None:
    """Every planned delivery, each given a new id, in one statement of column arrays on asyncpg's connection (as
    the messages' insert, ``messages.insert_new``)."""
    if rows:
        rows = with_new_ids(rows)
        columns = tuple(rows[0])
        await driver.execute(session, bulk.insert(Delivery.__table__, columns),
                             bulk.arrays(Delivery.__table__, rows, columns))


#: the due deliveries of a status, oldest first, with what sending them needs of their message and recipient (the
#: address columns only): each row locked, and skipped while another dispatcher holds it, so two never send one twice
DUE = text("""
SELECT d.id, d.channel, d.attempts, d.recipient_id, m.id AS message_id, m.event_id, m.event_type, m.event_area,
       m.body_zh, r.phone, r.email, r.group_webhook_url
  FROM deliveries d JOIN messages m ON m.id = d.message_id JOIN recipients r ON r.id = d.recipient_id
 WHERE d.status = :status AND d.next_attempt_at <= :now
 ORDER BY d.next_attempt_at LIMIT :limit
   FOR UPDATE OF d SKIP LOCKED
""")


async def due(session: AsyncSession, status: str, now: datetime, limit: int) -> list:
    """``DUE``'s rows (asyncpg ``Record``s, read by column name), on asyncpg's connection: a dispatcher step sends up
    to ``dispatch_batch_size`` and an ORM object a delivery, message and recipient each cost more than the send."""
    return await driver.fetch(session, DUE, {"status": status, "now": now, "limit": limit})


#: a step's outcome in one statement: each delivery's new state (one array a column; a NULL ``next_attempt_at`` or
#: ``digest_id`` leaves the stored one, ``sent_at`` is ``now`` once sent), an attempt row each (ok when it left no
#: error) and the events reporting them (the kernel's outbox insert, ``UnitOfWork.publish_rows``' parameters, none
#: for a retry) — not an ORM flush of an UPDATE a delivery
WRITE_OUTCOMES = text(f"""
WITH u AS (
    SELECT * FROM unnest(CAST(:delivery AS uuid[]), CAST(:status AS text[]), CAST(:attempts AS integer[]),
                         CAST(:next_attempt_at AS timestamptz[]), CAST(:last_error AS text[]),
                         CAST(:digest_id AS uuid[]))
        AS u(id, status, attempts, next_attempt_at, last_error, digest_id)
), changed AS (
    UPDATE deliveries d
       SET status = u.status, attempts = u.attempts, last_error = u.last_error,
           next_attempt_at = coalesce(u.next_attempt_at, d.next_attempt_at),
           sent_at = CASE WHEN u.status = 'sent' THEN CAST(:now AS timestamptz) ELSE d.sent_at END,
           digest_id = coalesce(u.digest_id, d.digest_id)
      FROM u WHERE d.id = u.id
), tried AS (
    INSERT INTO delivery_attempts (id, kind, delivery_id, number, ok, error, at)
    SELECT gen_random_uuid(), 'channel', u.id, u.attempts, u.last_error IS NULL, u.last_error,
           CAST(:now AS timestamptz) FROM u
)
{STAGE_MANY_SQL}""")


async def write_outcomes(session: AsyncSession, outcomes: dict[str, list], now: datetime, events: dict) -> None:
    """``WRITE_OUTCOMES`` on asyncpg's connection: ``outcomes`` one list a column of ``u`` (``delivery`` the ids),
    ``events`` ``UnitOfWork.publish_rows``' parameters."""
    if outcomes["delivery"]:
        await driver.execute(session, WRITE_OUTCOMES, {**outcomes, **events, "now": now})
