"""Who hears: people of the county directory, units (offices, departments), and what we know of households."""

import uuid
from datetime import datetime, time

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backstop_common.columns import created, jsonb, timestamp


class Recipient(SQLModel, table=True):
    """A person (by ``user_id`` = JWT ``sub``) or a unit (单位/部门) and the channels it is reached on.

    The phone and e-mail are kept for sending only: never logged, never put into an event.
    """

    __tablename__ = "recipients"
    __table_args__ = (
        UniqueConstraint("user_id", name="uq_recipients_user_id"),
        Index("ix_recipients_area_role", "area_code", "role"),
        Index("ix_recipients_unit", "unit"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = "person"  # person | unit
    user_id: str | None = None
    role: str | None = None
    area_code: str = Field(max_length=12)
    unit: str | None = None  # e.g. county_office, health, education, civil_affairs
    label: str | None = None  # how the directory shows it; not sent anywhere
    phone: str | None = None
    email: str | None = None
    group_webhook_url: str | None = None
    channels: list = jsonb(list)  # subset of sms, email, group (the in-app inbox is always on)
    quiet_start: time | None = None  # local time (Asia/Shanghai)
    quiet_end: time | None = None
    active: bool = True
    version: int = 1
    created_at: datetime | None = created()


class HouseholdFacts(SQLModel, table=True):
    """Read model from ``registry.household``: a household's village and paired helpers (帮扶责任人)."""

    __tablename__ = "household_facts"

    household_id: str = Field(primary_key=True)
    village_code: str | None = None
    helper_user_ids: list = jsonb(list)
    updated_at: datetime | None = timestamp()


class AccessLog(SQLModel, table=True):
    """Every read of an unmasked phone or e-mail (docs/contract.md §4)."""

    __tablename__ = "access_log"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    subject: str
    role: str
    recipient_id: uuid.UUID
    fields: list = jsonb(list)
    at: datetime | None = created()


class ParkedEvent(SQLModel, table=True):
    """An event whose rules name a household's helpers before the registry told us the household.

    Topics have no order between them: after an outage ``risk.detected`` can be consumed before the
    ``household.registered`` it follows. The event waits here and is routed again (the unique key
    keeps everyone who already has it from a second copy) when the household arrives.
    """

    __tablename__ = "parked_events"

    event_id: uuid.UUID = Field(primary_key=True)
    household_id: str = Field(index=True)
    type: str
    source: str
    subject: str
    area_code: str | None = None
    time: datetime | None = timestamp(nullable=False)
    data: dict = jsonb(dict)
    parked_at: datetime | None = timestamp(nullable=False)
