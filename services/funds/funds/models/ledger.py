"""Allocations and every yuan that leaves them (the ledger): commitments, disbursements, subsidies.

``allocated >= committed >= spent >= 0`` holds in the database (CHECK), not only in code.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from backstop_common.columns import created, jsonb
from backstop_common.money import money_field
from funds.enums import Source, SubsidyKind, check_in
from funds.models.columns import uid


class Allocation(SQLModel, table=True):
    """资金下达: money of one source, year and purpose allocated to one area."""

    __tablename__ = "allocations"
    __table_args__ = (
        CheckConstraint("amount > 0", name="allocation_amount_positive"),
        CheckConstraint("committed >= 0 AND spent >= 0", name="allocation_non_negative"),
        CheckConstraint("committed <= amount", name="allocation_not_overcommitted"),
        CheckConstraint("spent <= committed", name="allocation_not_overspent"),
        CheckConstraint(check_in("source", Source), name="allocation_source"),
    )

    id: uuid.UUID = uid()
    source: str
    year: int
    purpose: str
    area_code: str = Field(index=True)
    amount: Decimal = money_field()
    committed: Decimal = money_field(default=Decimal("0"))
    spent: Decimal = money_field(default=Decimal("0"))
    document_no: str | None = None
    created_by: str
    created_at: datetime | None = created()
    version: int = 1


class ProjectFunding(SQLModel, table=True):
    """Money of one allocation committed to one project, and how much of it was disbursed."""

    __tablename__ = "project_fundings"
    __table_args__ = (
        UniqueConstraint("project_id", "allocation_id"),
        CheckConstraint("spent >= 0 AND spent <= committed", name="funding_not_overspent"),
    )

    id: uuid.UUID = uid()
    project_id: uuid.UUID = Field(foreign_key="projects.id", index=True)
    allocation_id: uuid.UUID = Field(foreign_key="allocations.id", index=True)
    committed: Decimal = money_field(default=Decimal("0"))
    spent: Decimal = money_field(default=Decimal("0"))


class Disbursement(SQLModel, table=True):
    """拨付: money paid to a project from one of its allocations."""

    __tablename__ = "disbursements"
    __table_args__ = (CheckConstraint("amount > 0", name="disbursement_amount_positive"),)

    id: uuid.UUID = uid()
    project_id: uuid.UUID = Field(foreign_key="projects.id", index=True)
    allocation_id: uuid.UUID = Field(foreign_key="allocations.id", index=True)
    amount: Decimal = money_field()
    paid_on: date
    paid_by: str
    note: str | None = None
    created_at: datetime | None = created()


class Subsidy(SQLModel, table=True):
    """A subsidy paid to a household (or one member) under a standard; the amount was computed."""

    __tablename__ = "subsidies"
    __table_args__ = (
        UniqueConstraint("kind", "household_id", "member_key", "period", name="subsidy_once_per_period"),
        CheckConstraint("amount > 0", name="subsidy_amount_positive"),
        CheckConstraint(check_in("kind", SubsidyKind), name="subsidy_kind"),
    )

    id: uuid.UUID = uid()
    kind: str
    household_id: uuid.UUID = Field(index=True)
    member_id: uuid.UUID | None = None
    member_key: str            # the member id, or "" for a household-level subsidy (unique key)
    village_code: str = Field(index=True)
    period: str
    year: int
    amount: Decimal = money_field()
    allocation_id: uuid.UUID = Field(foreign_key="allocations.id", index=True)
    basis: dict = jsonb(dict)   # how the amount was computed (standard, facts); never shown publicly
    paid_on: date
    paid_by: str
    created_at: datetime | None = created()


class MoneyReturn(SQLModel, table=True):
    """退回: money paid out (a disbursement or a subsidy) that came back, with why; it is spent no more."""

    __tablename__ = "money_returns"
    __table_args__ = (
        CheckConstraint("amount > 0", name="return_amount_positive"),
        CheckConstraint("(disbursement_id IS NULL) <> (subsidy_id IS NULL)", name="return_of_one_payment"),
    )

    id: uuid.UUID = uid()
    allocation_id: uuid.UUID = Field(foreign_key="allocations.id", index=True)
    disbursement_id: uuid.UUID | None = Field(default=None, foreign_key="disbursements.id", index=True)
    subsidy_id: uuid.UUID | None = Field(default=None, foreign_key="subsidies.id", index=True)
    project_id: uuid.UUID | None = None
    household_id: uuid.UUID | None = None
    area_code: str = Field(index=True)       # the project's area or the household's village
    amount: Decimal = money_field()
    reason: str
    returned_on: date
    recorded_by: str
    created_at: datetime | None = created()
