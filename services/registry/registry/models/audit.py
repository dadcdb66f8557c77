"""The audit trail: change history, reads of unmasked identifiers, import runs."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column, Identity, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from backstop_common.columns import created


class ChangeRecord(SQLModel, table=True):
    """Who changed which field of which record, when, from what to what (变更记录)."""

    __tablename__ = "change_history"
    __table_args__ = (Index("ix_change_history_household", "household_id", "seq"),)

    seq: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(always=False), primary_key=True))
    household_id: uuid.UUID
    entity: str  # household / member / income_assessment / helper / ...
    entity_id: uuid.UUID
    action: str  # created / updated / removed / assessed / imported / feed:<department>
    field: str | None = None
    old_value: dict | list | str | int | float | bool | None = Field(default=None, sa_column=Column(JSONB))
    new_value: dict | list | str | int | float | bool | None = Field(default=None, sa_column=Column(JSONB))
    actor: str
    actor_role: str
    version: int | None = None  # the record's version after the change
    changed_at: datetime | None = created()


class AccessLogEntry(SQLModel, table=True):
    """One read of unmasked ID numbers or phones (docs/contract.md §4)."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_read_at", "read_at"),)

    seq: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(always=False), primary_key=True))
    subject: str = Field(index=True)
    role: str
    household_id: uuid.UUID = Field(index=True)
    path: str
    fields: str  # e.g. "id_number,phone"
    read_at: datetime | None = created()


class ImportRun(SQLModel, table=True):
    """One bulk import of a national export file."""

    __tablename__ = "import_runs"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    filename: str
    sha256: str = Field(index=True)
    rows: int
    households_registered: int
    members_registered: int
    rows_rejected: int
    rows_unchanged: int
    imported_by: str
    created_at: datetime | None = created()
