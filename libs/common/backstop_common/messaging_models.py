"""The outbox and inbox tables every service carries in its own database."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, LargeBinary, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel


def _tz(**kw) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), **kw))


class OutboxMessage(SQLModel, table=True):
    """An event waiting to be (or already) published; committed with the change it describes."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_unsent", "seq", postgresql_where=text("sent_at IS NULL")),
        Index("ix_outbox_created_at", "created_at"),
    )

    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=False), primary_key=True)
    )
    id: uuid.UUID = Field(unique=True)
    topic: str
    key: str
    type: str
    source: str
    subject: str
    area_code: str | None = None
    correlation_id: str | None = None
    time: datetime = _tz(nullable=False)
    data: dict = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = _tz(nullable=False, server_default=text("now()"))
    sent_at: datetime | None = _tz(nullable=True)
    attempts: int = 0
    last_error: str | None = None


class OutboxMark(SQLModel, table=True):
    """How far the broker's log of a partition reached at least, by what this service published there.

    The log's end never moves back on a broker that kept it; one that reports an end before the mark
    lost it (outbox.BrokerWatch). A lower bound on purpose: Tansu reports the last batch's first offset
    + 1 as the end, so the mark is the first offset of the last publish + 1.
    """

    __tablename__ = "outbox_marks"

    topic: str = Field(primary_key=True)
    partition: int = Field(primary_key=True)
    mark: int = Field(sa_column=Column(BigInteger, nullable=False))


class OutboxHeld(SQLModel, table=True):
    """Events a round put in a partition, kept until every consumer group of the topic has committed past the
    round's last offset there: what a broker that lost its log must be given again (outbox.BrokerWatch).

    One row a round and partition, not the placement on each outbox row: writing it there made marking an event
    sent, and forgetting it once read, each a new version of the row and an entry in each of the outbox's indexes
    (bench/RESULTS.md, session 21). ``last_offset`` is unique in a partition's log; a broker that lost its log
    hands offsets out anew, and a round that lands on a row not yet forgotten adds its events to it.
    """

    __tablename__ = "outbox_held"

    topic: str = Field(primary_key=True)
    partition: int = Field(primary_key=True)
    last_offset: int = Field(sa_column=Column(BigInteger, primary_key=True))
    seqs: list[int] = Field(sa_column=Column(ARRAY(BigInteger), nullable=False))  # the outbox rows (``seq``)


class InboxEntry(SQLModel, table=True):
    """An event a consumer has applied; written in the same transaction as the handler's effects."""

    __tablename__ = "inbox"

    event_id: uuid.UUID = Field(primary_key=True)
    consumer: str = Field(primary_key=True)
    type: str
    topic: str
    partition: int
    offset: int = Field(sa_column=Column(BigInteger, nullable=False))
    applied_at: datetime = _tz(nullable=False, server_default=text("now()"))


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a POST sent with ``Idempotency-Key`` (``idempotency.py``), kept 24 h.

    Written in the same transaction as the request's effect; the table is created by each service's
    migration through ``migrations.create_idempotency_table``.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)

    subject: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    request_hash: str
    method: str
    path: str
    status: int
    content_type: str
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = _tz(nullable=False, server_default=text("now()"))
