"""Allocations, commitments, disbursements and subsidies."""

import uuid
from datetime import date, datetime

from pydantic import Field

from backstop_common.dates import CalendarDate
from funds.enums import Source, SubsidyKind
from funds.schemas.base import Amount, AreaCode, In, Out, Year, Yuan


class AllocationCreate(In):
    source: Source
    year: Year
    purpose: str = Field(min_length=1, max_length=200)
    amount: Amount
    area_code: AreaCode
    document_no: str | None = Field(default=None, max_length=100)


class AllocationRead(Out):
    id: uuid.UUID
    source: str
    year: int
    purpose: str
    area_code: str
    amount: Yuan
    committed: Yuan
    spent: Yuan
    document_no: str | None
    created_at: datetime
    version: int


class FundingIn(In):
    allocation_id: uuid.UUID
    amount: Amount


class DisbursementIn(In):
    project_id: uuid.UUID
    allocation_id: uuid.UUID
    amount: Amount
    paid_on: CalendarDate | None = None
    note: str | None = Field(default=None, max_length=500)


class DisbursementRead(Out):
    id: uuid.UUID
    project_id: uuid.UUID
    allocation_id: uuid.UUID
    amount: Yuan
    paid_on: date


class SubsidyIn(In):
    """No amount: it is computed from the standard for the household's area and the period's year."""

    kind: SubsidyKind
    household_id: uuid.UUID
    member_id: uuid.UUID | None = None
    period: str = Field(pattern=r"^[0-9]{4}([-/][0-9A-Za-z]{1,10})?$")
    allocation_id: uuid.UUID
    paid_on: CalendarDate | None = None


class SubsidyRead(Out):
    id: uuid.UUID
    kind: str
    household_id: uuid.UUID
    member_id: uuid.UUID | None
    village_code: str
    period: str
    year: int
    amount: Yuan
    allocation_id: uuid.UUID
    basis: dict
    paid_on: date


class ReturnIn(In):
    """退回 of one payment: ``disbursement_id`` or ``subsidy_id``, the amount that came back and why."""

    disbursement_id: uuid.UUID | None = None
    subsidy_id: uuid.UUID | None = None
    amount: Amount
    reason: str = Field(min_length=1, max_length=500)
    returned_on: CalendarDate | None = None


class ReturnRead(Out):
    id: uuid.UUID
    allocation_id: uuid.UUID
    disbursement_id: uuid.UUID | None
    subsidy_id: uuid.UUID | None
    project_id: uuid.UUID | None
    household_id: uuid.UUID | None
    area_code: str
    amount: Yuan
    reason: str
    returned_on: date
    recorded_by: str
