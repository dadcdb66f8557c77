"""Monitoring tables. Thin for now: the monitoring issue adds policies, signals and cases."""

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, text
from sqlmodel import Field, SQLModel

from backstop_common.messaging_models import InboxEntry, OutboxMessage  # noqa: F401  (same metadata)


class HouseholdFacts(SQLModel, table=True):
    """Monitoring's read model of a registry household, fed by ``registry.household`` events."""

    __tablename__ = "household_facts"

    household_id: uuid.UUID = Field(primary_key=True)
    village_code: str = Field(index=True)
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, server_default=text("now()")))
