"""Registry tables. Thin for now: the registry issue fills in the household file (建档立卡)."""

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, text
from sqlmodel import Field, SQLModel

from backstop_common.messaging_models import InboxEntry, OutboxMessage  # noqa: F401  (same metadata)


class Household(SQLModel, table=True):
    """A registered household (户), versioned for optimistic concurrency."""

    __tablename__ = "households"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    village_code: str = Field(index=True, min_length=12, max_length=12)
    version: int = 1
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=text("now()")))
